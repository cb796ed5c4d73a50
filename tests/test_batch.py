"""Batch grading: every hand-in gets a row, attacks gain nothing, bad archives are contained."""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

import pytest

import corpus
from kit.isolation import scratch
from kit.paths import ROOT, SOLUTION
from kit.textpatch import replace_once

ISOLATED = os.geteuid() == 0
SLOT_UIDS = (64000, 64001)


def batch(*args: str, timeout: float = 900,
          env: Optional[dict] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit", "grade-batch", *args, "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


def snapshot(tree: Path) -> Dict[str, str]:
    """Path -> content hash (or link target) of every file, caches excepted."""
    found = {}
    for path in sorted(tree.rglob("*")):
        relative = path.relative_to(tree)
        if "__pycache__" in relative.parts or path.suffix == ".pyc" or ".git" in relative.parts:
            continue
        if path.is_symlink():
            found[str(relative)] = "-> " + os.readlink(path)
        elif path.is_file():
            found[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[str(relative)] = "dir"
    return found


def read_csv(path: Path) -> Dict[str, dict]:
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def processes_of(uids) -> list:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/status") as handle:
                uid = next(int(line.split()[1]) for line in handle if line.startswith("Uid:"))
        except (OSError, StopIteration, ValueError):
            continue
        if uid in uids:
            found.append(int(entry))
    return found


def temp_dirs(directory: Optional[Path] = None) -> set:
    return {p.name for p in Path(directory or tempfile.gettempdir()).glob("mytorch-grade-*")}


def dead_pid() -> int:
    """The pid of a process that has already exited."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


@pytest.fixture(scope="module")
def graded_corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    submissions, out, escape = base / "submissions", base / "out", base / "escape"
    escape.mkdir()
    expected = corpus.build(submissions, base / "work", escape)
    private = Path(tempfile.mkdtemp(prefix="batch-tmp-", dir="/tmp"))   # other batches apart
    os.chmod(private, 0o755)
    before = {"repo": snapshot(ROOT), "submissions": snapshot(submissions),
              "temp": temp_dirs(private)}
    abandoned = abandoned_grading_dir(private)
    started = time.monotonic()
    done = batch(str(submissions), "--out", str(out), "--jobs", "2", "--parts", "1",
                 "--call-timeout", "3", "--timeout", "300",
                 env={**os.environ, "TMPDIR": str(private)})
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    yield {"base": base, "submissions": submissions, "out": out, "escape": escape,
           "expected": expected, "before": before, "done": done, "elapsed": elapsed,
           "abandoned": abandoned, "tmp": private}
    shutil.rmtree(private, ignore_errors=True)


def abandoned_grading_dir(directory: Path) -> Path:
    """What a batch killed by SIGKILL leaves: a grading directory whose process is gone."""
    path = directory / f"mytorch-grade-{dead_pid()}-abandoned"
    (path / "submission" / "mytorch").mkdir(parents=True)
    (path / "submission" / "mytorch" / "tensor.py").write_text("# a student's file\n")
    return path


@pytest.mark.slow
def test_directories_of_a_killed_batch_are_swept(graded_corpus):
    assert not graded_corpus["abandoned"].exists()
    assert "left by an earlier batch that was killed" in graded_corpus["done"].stdout


def test_sweep_spares_running_batches_and_other_names(tmp_path):
    pid = dead_pid()
    dead = tmp_path / f"mytorch-batch-{pid}-x"
    running = tmp_path / f"mytorch-grade-{os.getpid()}-x"
    unrelated = tmp_path / f"mytorch-other-{pid}-x"
    for directory in (dead, running, unrelated):
        directory.mkdir()
    assert scratch.sweep_abandoned(tmp_path) == [dead]
    assert not dead.exists() and running.exists() and unrelated.exists()


@pytest.mark.slow
def test_corpus_is_large_and_varied(graded_corpus):
    expected = graded_corpus["expected"]
    assert len(expected) >= 20
    assert {e.status for e in expected.values()} == {"ok", "violation", "bad_archive"}


@pytest.mark.slow
def test_every_student_gets_exactly_what_their_genuine_work_earns(graded_corpus):
    rows = read_csv(graded_corpus["out"] / "grades.csv")
    assert set(rows) == set(graded_corpus["expected"])
    wrong = {}
    for student, want in graded_corpus["expected"].items():
        if (want.needs_root and not ISOLATED) or (want.needs_namespaces
                                                   and not corpus.confinable()):
            continue
        row = rows[student]
        if (float(row["total"]), row["grading_status"]) != (want.total, want.status) \
                or want.reason not in row["reason"]:
            wrong[student] = (row["total"], row["grading_status"], row["reason"][:200], want)
    assert not wrong, wrong


@pytest.mark.slow
def test_part_columns_add_up_to_the_total(graded_corpus):
    rows = read_csv(graded_corpus["out"] / "grades.csv")
    columns = [c for c in next(iter(rows.values())) if c[:1].isdigit()]
    assert len(columns) == len(corpus.HW1)
    for row in rows.values():
        assert sum(float(row[c]) for c in columns) == float(row["total"])
    assert float(rows["partial_sgd"]["2.3 sgd"]) == 0
    assert float(rows["partial_sgd"]["2.6 momentum"]) == corpus.HW1["2.6"]


@pytest.mark.slow
def test_nothing_outside_out_dir_and_temp_dirs_changed(graded_corpus):
    before = graded_corpus["before"]
    assert snapshot(ROOT) == before["repo"]
    assert snapshot(graded_corpus["submissions"]) == before["submissions"]
    assert temp_dirs(graded_corpus["tmp"]) - before["temp"] == set(), \
        "temporary grading directories were left behind"
    assert list(graded_corpus["escape"].iterdir()) == []
    base = graded_corpus["base"]
    assert not list(base.parent.glob("escaped_*")) and not list(base.glob("escaped_*"))
    if ISOLATED:
        assert processes_of(SLOT_UIDS) == [], "student processes outlived the batch"
        assert not Path("/tmp/mytorch-student-leftover.json").exists()
        assert not Path("/dev/shm/mytorch-student-leftover.json").exists()


@pytest.mark.slow
def test_gradebook_has_every_field(graded_corpus):
    db = sqlite3.connect(graded_corpus["out"] / "gradebook.sqlite")
    rows = db.execute("SELECT submission_id, archive_sha256, part, points, max_points, feedback, "
                      "duration, grader_version, graded_at FROM results").fetchall()
    assert len(rows) == len(graded_corpus["expected"]) * len(corpus.HW1)
    statuses = dict(db.execute("SELECT submission_id, grading_status FROM submissions"))
    assert statuses == {s: e.status for s, e in graded_corpus["expected"].items()}
    sha = hashlib.sha256((graded_corpus["submissions"] / "correct0.tar").read_bytes()).hexdigest()
    assert {r[1] for r in rows if r[0] == "correct0"} == {sha}
    assert all(len(r[7]) == 16 and r[8].startswith("20") for r in rows)


@pytest.mark.slow
def test_feedback_and_plots_are_written(graded_corpus):
    out = graded_corpus["out"]
    for student in graded_corpus["expected"]:
        assert (out / "feedback" / f"{student}.txt").is_file()
    loop = (out / "feedback" / "hostile_infinite_loop.txt").read_text()
    assert "did not finish within 3 s" in loop
    assert "Traceback" not in loop
    symlink = (out / "feedback" / "symlink.txt").read_text()
    assert "symbolic link" in symlink and "Score: 0/100" in symlink
    plots = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert len(plots) == len(corpus.HW1) + 2                  # + the total, + check pass rates
    assert {"total.png", "check_pass_rates.png"} <= set(plots)
    assert all((out / "plots" / p).read_bytes()[:4] == b"\x89PNG" for p in plots)


@pytest.mark.slow
def test_resumed_run_grades_nothing_and_is_fast(graded_corpus):
    started = time.monotonic()
    done = batch(str(graded_corpus["submissions"]), "--out", str(graded_corpus["out"]),
                 "--jobs", "2", "--parts", "1")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "0 to grade" in done.stdout
    assert elapsed < 2, f"a run with nothing to do took {elapsed:.1f} s"


@pytest.mark.slow
def test_changed_archive_is_regraded_alone(graded_corpus, tmp_path):
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    for name in ("correct0.tar", "empty.tar", "untouched_handout.tar"):
        (submissions / name).write_bytes((graded_corpus["submissions"] / name).read_bytes())
    assert batch(str(submissions), "--out", str(out), "--parts", "2.3").returncode == 0
    (submissions / "empty.tar").write_bytes((submissions / "correct0.tar").read_bytes())
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert "1 to grade" in done.stdout, done.stdout
    assert float(read_csv(out / "grades.csv")["empty"]["total"]) == 10
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3", "--regrade")
    assert "3 to grade" in done.stdout


@pytest.mark.slow
def test_a_hang_spends_its_checks_share_of_the_submission_time_only(tmp_path):
    """--timeout is shared over the checks (AUTOGRADER_DEADLINE): a ReLU that never returns
    fails its checks, and every other check still gets its points, inside the time."""
    tree = corpus.variant(tmp_path, "slow")
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                corpus.relu_attack("while True:\n    pass"))
    submissions = tmp_path / "subs"
    submissions.mkdir()
    corpus.tar_of(tree, submissions / "slow.tar")
    started = time.monotonic()
    done = batch(str(submissions), "--out", str(tmp_path / "out"), "--parts", "1.1", "2.1",
                 "2.2", "--timeout", "45", "--call-timeout", "120")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 45 + corpus.RUBRIC.time["grader"]
    row = read_csv(tmp_path / "out" / "grades.csv")["slow"]
    assert row["grading_status"] == "ok"
    # Sequential (in 2.1) runs a ReLU too, so only its Linear and MatMul checks pass.
    linear = corpus.RUBRIC.by_number["2.1"].checks
    assert (float(row["1.1 arithmetic"]), float(row["2.1 linear"]), float(row["2.2 relu"])) == \
        (15, linear["linear"] + linear["matmul"], 0)
    assert "did not finish within" in (tmp_path / "out" / "feedback" / "slow.txt").read_text()


@pytest.mark.slow
def test_hidden_tests_count_and_do_not_leak(tmp_path):
    tree = corpus.variant(tmp_path, "rank4")
    # Correct on the public shapes; wrong on 4-d inputs, which only the hidden tests use.
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                "        if x.data.ndim == 4:\n            return x\n" + corpus.RELU)
    submissions = tmp_path / "subs"
    submissions.mkdir()
    corpus.tar_of(tree, submissions / "rank4.tar")
    public = batch(str(submissions), "--out", str(tmp_path / "public"), "--parts", "2.2")
    hidden = batch(str(submissions), "--out", str(tmp_path / "hidden"), "--parts", "2.2", "--hidden")
    assert public.returncode == hidden.returncode == 0
    assert read_csv(tmp_path / "public" / "grades.csv")["rank4"]["total"] == "10"
    # the hidden 4-d failure costs the relu check; ReLU's own derivative at 0 keeps its point
    assert read_csv(tmp_path / "hidden" / "grades.csv")["rank4"]["total"] == \
        f'{corpus.RUBRIC.by_number["2.2"].checks["at_zero"]:g}'
    feedback = (tmp_path / "hidden" / "feedback" / "rank4.txt").read_text()
    assert "a hidden test failed" in feedback
    assert "(2, 2, 2, 3)" not in feedback and "Expected" not in feedback


def test_unsafe_archives_write_nothing(tmp_path):
    from kit.intake import archive
    escape = tmp_path / "escape"
    escape.mkdir()
    corpus_dir = tmp_path / "subs"
    corpus.build(corpus_dir, tmp_path / "work", escape)
    for name in ("traversal", "absolute", "symlink", "hardlink", "device", "non_utf8_name"):
        destination = tmp_path / "x" / name
        destination.mkdir(parents=True)
        with pytest.raises(archive.BadArchive, match="nothing was extracted"):
            archive.extract(corpus_dir / f"{name}.tar", destination)
        assert list(destination.iterdir()) == []
    assert list(escape.iterdir()) == [] and not list(tmp_path.rglob("escaped_*"))


def test_only_mytorch_and_hw1_are_extracted(tmp_path):
    from kit.intake import archive
    path = tmp_path / "handin.tar"
    with tarfile.open(path, "w") as tar:
        corpus._add_bytes(tar, "./mytorch/__init__.py")
        corpus._add_bytes(tar, "hw1/mnist.py")
        corpus._add_bytes(tar, "numpy/__init__.py")
        corpus._add_bytes(tar, "mytorch/__pycache__/x.cpython-311.pyc")
    destination = tmp_path / "out"
    destination.mkdir()
    extracted = archive.extract(path, destination)
    assert sorted(extracted.files) == ["hw1/mnist.py", "mytorch/__init__.py"]
    assert not (destination / "numpy").exists()
    assert "numpy/__init__.py" in extracted.notes[0]


def test_an_option_left_out_takes_the_settings_default():
    """grade-batch's defaults are those of kit/batch/settings.py and of the archive Limits,
    and --help names the timeout's."""
    from kit.batch.settings import Settings
    from kit.cli import build_parser
    from kit.intake.archive import Limits
    args = build_parser().parse_args(["grade-batch", "subs", "--out", "out"])
    settings, limits = Settings(parts=[]), Limits()
    for name in ("jobs", "timeout", "memory_mb", "file_mb", "max_processes", "uid_base"):
        assert getattr(args, name) == getattr(settings, name), name
    assert (args.max_members, args.max_unpacked_mb, args.max_file_mb) == (
        limits.max_members, limits.max_total_mb, limits.max_member_mb)
    shown = subprocess.run([sys.executable, "-m", "kit", "grade-batch", "--help"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert f"shared over its checks ({settings.timeout:g})" in " ".join(shown.stdout.split())


@pytest.mark.slow
def test_ctrl_c_loses_nothing_and_the_rerun_goes_on(tmp_path):
    submissions, out = tmp_path / "subs", tmp_path / "out"
    corpus.correct_corpus(submissions, 5)
    private = Path(tempfile.mkdtemp(prefix="batch-tmp-", dir="/tmp"))   # other batches apart
    os.chmod(private, 0o755)
    env = {**os.environ, "TMPDIR": str(private)}
    command = [sys.executable, "-m", "kit", "grade-batch", str(submissions), "--out", str(out),
               "--jobs", "1", "--parts", "2.3", "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    deadline = time.monotonic() + 300
    saved = 0
    while saved < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        if (out / "gradebook.sqlite").exists():
            try:
                with sqlite3.connect(out / "gradebook.sqlite") as db:
                    saved = db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
            except sqlite3.Error:
                pass
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "Run the same command again" in stderr and "Traceback" not in stderr
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        saved = db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    assert 2 <= saved < 5
    done = batch(str(submissions), "--out", str(out), "--jobs", "1", "--parts", "2.3", env=env)
    assert f"{5 - saved} to grade" in done.stdout, done.stdout
    rows = read_csv(out / "grades.csv")
    assert len(rows) == 5 and all(float(r["total"]) == 10 for r in rows.values())
    left = temp_dirs(private)
    shutil.rmtree(private, ignore_errors=True)
    assert left == set(), "the interrupted batch left temporary directories behind"


@pytest.mark.slow
def test_a_course_end_to_end(tmp_path):
    """Formats, roster, manifest, due date, part subsets, a one-student regrade and exports."""
    import zipfile
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    corpus.tar_of(SOLUTION, submissions / "ann.tar.gz", "w:gz")
    tree = corpus.variant(tmp_path, "sgd_sign")
    replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
                 "param.data += self.lr * param.grad.data")
    with zipfile.ZipFile(submissions / "bob.zip", "w") as handle:     # wrapped in a folder
        for path in sorted(tree.rglob("*.py")):
            handle.write(path, "mytorch-handout/" + str(path.relative_to(tree)))
    corpus.tar_of(SOLUTION, submissions / "zed.tgz", "w:gz")          # not on the roster
    (tmp_path / "roster.csv").write_text("sid,name,email,section\nann,Ann A,ann@u.edu,L1\n"
                                         "bob,Bob B,bob@u.edu,L2\ncat,Cat C,cat@u.edu,L1\n")
    (tmp_path / "manifest.csv").write_text("file,submitted_at\nann.tar.gz,2025-03-01T12:00:00Z\n"
                                           "bob.zip,2025-03-03T06:00:00Z\n")
    # Slot uids of its own: a batch of another checkout on this machine kills 64000's processes.
    course = ["--uid-base", "64310", "--roster", str(tmp_path / "roster.csv"), "--roster-id", "sid", "--manifest",
              str(tmp_path / "manifest.csv"), "--due", "2025-03-02T00:00:00Z"]
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3", *course)
    assert done.returncode == 0, done.stderr
    assert "3 to grade" in done.stdout and "not on the roster" in done.stderr
    done = batch(str(submissions), "--out", str(out), "--parts", "2.6", "--uid-base", "64310")
    assert done.returncode == 0 and "3 to grade" in done.stdout, done.stderr
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {"ann", "bob", "cat", "zed"}
    assert (rows["ann"]["2.3 sgd"], rows["ann"]["2.6 momentum"], rows["ann"]["final"]) == ("10", "10", "20")
    bob = rows["bob"]                # plain SGD's sign wrong, 1.25 days late: 2 days, -20%
    assert (bob["2.3 sgd"], bob["2.6 momentum"], bob["total"], bob["penalty_fraction"],
            bob["final"], bob["time_source"]) == ("0", "10", "10", "0.2", "8", "manifest")
    assert (rows["cat"]["grading_status"], rows["cat"]["final"]) == ("missing", "0")
    assert (rows["zed"]["on_roster"], rows["zed"]["time_source"]) == ("no", "mtime")
    assert (rows["zed"]["total"], rows["zed"]["penalty_fraction"]) == ("20", "1")  # past cut-off
    # bob fixes the sign: regrade him alone; the others are untouched, exports cover everyone.
    corpus.tar_of(SOLUTION, submissions / "bob.tar")
    (submissions / "bob.zip").unlink()
    (tmp_path / "manifest.csv").write_text("file,submitted_at\nbob.tar,2025-03-02T00:10:00Z\n")
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3", "--student", "bob",
                 "--uid-base", "64310",
                 "--manifest", str(tmp_path / "manifest.csv"))
    assert done.returncode == 0 and "1 to grade" in done.stdout, done.stdout + done.stderr
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {"ann", "bob", "cat", "zed"}
    assert (rows["bob"]["2.3 sgd"], rows["bob"]["2.6 momentum"], rows["bob"]["attempt"]) == ("10", "10", "3")
    assert (rows["bob"]["time_source"], rows["bob"]["penalty_fraction"], rows["bob"]["final"]) \
        == ("manifest", "0", "20")                                 # within the grace period
    assert rows["ann"]["submitted_at"] == "2025-03-01T12:00:00+00:00"   # kept from the first run
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        attempts = db.execute("SELECT submission_id, attempt, parts_graded, archive_name FROM "
                              "attempts ORDER BY submission_id, attempt").fetchall()
    assert [a for a in attempts if a[0] == "bob"] == [
        ("bob", 1, "2.3", "bob.zip"), ("bob", 2, "2.6", "bob.zip"), ("bob", 3, "2.3", "bob.tar")]
    assert len(attempts) == 7
    export = subprocess.run([sys.executable, "-m", "kit", "export", str(out), "--format", "canvas"],
                            cwd=ROOT, capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    with open(out / "canvas.csv", newline="") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][-1] == "20"
    assert {row[2]: row[-1] for row in canvas[2:]} == {"ann": "20", "bob": "20", "cat": "0", "zed": "0"}
