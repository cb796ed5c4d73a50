"""Hostile hand-ins and operational faults, each graded by a real batch (or platform run): the
hand-in gets what its genuine work earns, and nobody else's score, file or batch changes.

The batch corpus (tests/corpus.py, graded by tests/test_batch.py) holds the attacks written in
``ReLU.forward``; this file holds the ones that need a batch set up their way: odd file names,
a subreaper, a slot reused by the next hand-in, a full disk.
"""
from __future__ import annotations

import csv
import errno
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path

import pytest

import corpus
from kit.isolation import uids
from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.textpatch import replace_once
from test_batch import batch, read_csv
from test_confinement import BATCH, as_nobody, base  # noqa: F401 (a fixture)
from test_platforms import bundles, check_gradescope_schema, run_gradescope  # noqa: F401

pytestmark = pytest.mark.slow

SGD = corpus.RUBRIC.by_number["2.3"].points


def totals(out: Path) -> dict:
    return {student: float(row["total"]) for student, row in read_csv(out / "grades.csv").items()}


def test_a_file_name_that_is_not_utf8_is_graded_under_an_id_of_its_own(tmp_path):
    """b"caf\\xe9.tar" gets the id "caf\\xe9", apart from a file literally named that way."""
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    corpus.tar_of(SOLUTION, submissions / "ann.tar")
    shutil.copy(submissions / "ann.tar", os.fsencode(submissions) + b"/caf\xe9.tar")
    corpus.tar_of(HANDOUT, submissions / "caf\\xe9.tar")
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert totals(out) == {"ann": SGD, "caf\\xe9": SGD, "caf\\\\xe9": 0}
    assert read_csv(out / "grades.csv")["caf\\xe9"]["archive"] == "caf\\xe9.tar"
    assert len(list((out / "feedback").iterdir())) == 3
    again = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert again.returncode == 0 and "0 to grade" in again.stdout, again.stdout + again.stderr


FORMULAS = (' =HYPERLINK("evil.example","click")', '\n=HYPERLINK("evil.example","click")',
            '\t=1+1', ' \n@SUM(1)')


def test_no_exported_cell_is_a_formula_even_after_white_space(tmp_path):
    """The cells a hand-in controls from their first character (its id and archive name, from
    its file name): a spreadsheet skips leading white space and line breaks before "="."""
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    for formula in FORMULAS:
        corpus.tar_of(SOLUTION, submissions / f"{formula}.tar")
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert totals(out) == {"'" + formula: SGD for formula in FORMULAS}    # neutralised ids
    export = subprocess.run([sys.executable, "-m", "kit", "export", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    for name in ("grades.csv", "canvas.csv", "gradescope.csv"):
        with open(out / name, newline="") as handle:
            cells = [value for row in csv.reader(handle) for value in row]
        formulas = [value for value in cells
                    if value.lstrip()[:1] in "=+-@" and value.lstrip() and value[:1] != "'"]
        assert formulas == [], (name, formulas)
        assert sum(value.startswith("'") for value in cells) >= len(FORMULAS), name


FORGE = """
import json, os, signal
forged = {{"score": 1000.0, "tests": [], "output": "FORGED"}}
try:
    with open({results!r}, "w") as handle:
        json.dump(forged, handle)
except OSError:
    pass
victims = [os.getppid()]
for pid in filter(str.isdigit, os.listdir("/proc")):       # the grading run: under {root!r}
    try:
        seen = open(f"/proc/{{pid}}/cmdline", "rb").read() + os.readlink(f"/proc/{{pid}}/cwd").encode()
    except OSError:
        continue
    if {root!r}.encode() in seen and int(pid) != os.getpid():
        victims.append(int(pid))
for pid in victims:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
"""


@pytest.mark.skipif(os.geteuid() != 0 or not corpus.confinable(),
                    reason="Gradescope runs as root; without namespaces student code runs as "
                    "nobody only where nobody can run this Python")
def test_gradescope_results_are_the_graders_whatever_student_code_writes_or_kills(
        bundles, tmp_path):
    """Student code writes results.json where Gradescope reads it, then kills its parent and
    every process of the grading run it can see: the score is still its genuine work's."""
    root = tmp_path / "autograder"
    tree = corpus.variant(tmp_path, "forge")
    attack = FORGE.format(results=str(root / "results" / "results.json"), root=str(root))
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU, corpus.relu_attack(attack))

    def submit(directory: Path) -> None:
        directory.mkdir()
        corpus.tar_of(tree, directory / "handin.tar")
    data = run_gradescope(bundles["gradescope"], root, submit)
    check_gradescope_schema(data)
    assert "FORGED" not in data.get("output", "")
    failed = sorted(t["name"] for t in data["tests"] if t["status"] == "failed")
    # An identity ReLU: wrong in 2.2, in 2.1's Sequential (a ReLU inside) and in Part 3's training.
    assert failed == ["2.1 Linear and Sequential: sequential", "2.2 ReLU: at_zero",
                      "2.2 ReLU: relu", "3 MNIST training: accuracy",
                      "3 MNIST training: history"], failed
    lost = (corpus.RUBRIC.by_number["2.1"].checks["sequential"] + corpus.HW1["2.2"]
            + corpus.RUBRIC.by_number["3"].points)
    assert data["score"] == corpus.RUBRIC.total - lost


# A daemon (double fork, a new session, a new pid as fast as it can fork, so that a kill of
# what was listed misses it) that waits for the hand-in marked victim_<token>.py, breaks its
# SGD and kills the processes grading it. It touches nothing else, and ends by itself.
DAEMON = """
import glob, os, sys, time
token, temp = sys.argv[1], sys.argv[2]
if os.fork():
    os._exit(0)
os.setsid()
end, look = time.monotonic() + 60, 0.0
while time.monotonic() < end:
    try:
        if os.fork():
            os._exit(0)
    except OSError:                     # at the process limit: wait for the parents' reaping
        time.sleep(0.01)
    if time.monotonic() < look:
        continue
    look = time.monotonic() + 0.02
    for marker in glob.glob(temp + "/mytorch-grade-*/submission/mytorch/victim_" + token + ".py"):
        victim = os.path.dirname(os.path.dirname(marker))
        try:
            with open(victim + "/mytorch/optim/sgd.py", "w") as handle:
                handle.write("raise ImportError('sabotaged')\\n")
        except OSError:
            pass
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if victim.encode() in open("/proc/" + pid + "/cmdline", "rb").read():
                    os.kill(int(pid), 9)
            except OSError:
                pass
"""
SPAWN = """
import subprocess, sys
if not hasattr(sys, "daemon_started"):
    sys.daemon_started = True
    subprocess.Popen([sys.executable, "-c", {daemon!r}, {token!r}, {temp!r}],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""
# A child-subreaper that reaps, as tini, systemd or docker --init do: orphans come back to it.
# Once the batch has exited it reaps for a second more, then prints the live processes whose
# command line holds $WATCH (zombies left out: a dead daemon is fine).
SUBREAPER = """
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER
main = subprocess.Popen(sys.argv[1:])
while True:
    pid, status = os.wait()
    if pid == main.pid:
        break
end = time.monotonic() + 1
while time.monotonic() < end:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        pass
    time.sleep(0.01)
alive = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        named = os.environ["WATCH"].encode() in open(f"/proc/{pid}/cmdline", "rb").read()
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        continue
    if named and state != "Z":
        alive.append(int(pid))
print("survivors:", alive)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.parametrize("mode", ["root", "root_without_namespaces", "nobody"])
def test_a_daemon_cannot_outlive_its_hand_in_and_hurt_the_next_in_its_slot(mode, base):
    """Under a subreaper, with one job slot: the hand-in graded next in the slot keeps full
    marks, and none of the daemon's processes survives the batch."""
    if os.geteuid() != 0:
        pytest.skip("runs the batch as root and as nobody")
    if mode != "root_without_namespaces" and not corpus.confinable():
        pytest.skip("no namespaces here: as root the slot uid's processes are killed instead")
    token = uuid.uuid4().hex
    submissions, out = base / "subs", base / "out"
    submissions.mkdir()
    tree = corpus.variant(base / "work", "daemon")
    spawn = SPAWN.format(daemon=DAEMON, token=token, temp=tempfile.gettempdir())
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU, corpus.relu_attack(spawn))
    corpus.tar_of(tree, submissions / "a_daemon.tar")
    victim = corpus.variant(base / "work", "victim")
    (victim / "mytorch" / f"victim_{token}.py").write_text("")
    corpus.tar_of(victim, submissions / "b_victim.tar")
    args = [str(submissions), "--out", str(out), "--jobs", "1", "--parts", "2.2", "2.3",
            "--no-progress"]
    try:
        if mode == "nobody":
            for path in [base, *base.rglob("*")]:
                os.chmod(path, 0o777 if path.is_dir() else 0o644)
            done = as_nobody(SUBREAPER, sys.executable, "-c", BATCH, *args[:-1],
                             env={**os.environ, "PYTHONPATH": str(ROOT), "WATCH": token},
                             timeout=600)
        else:
            confine = {"AUTOGRADER_CONFINE": "off"} if mode == "root_without_namespaces" else {}
            done = subprocess.run([sys.executable, "-c", SUBREAPER, sys.executable, "-m", "kit",
                                   "grade-batch", *args], cwd=ROOT, capture_output=True,
                                  text=True, timeout=600,
                                  env={**os.environ, "WATCH": token, **confine})
    finally:
        uids.kill_leftovers(None, Path(token))       # a daemon that got out (it ends anyway)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "survivors: []" in done.stdout, "the daemon outlived the batch"
    assert totals(out) == {"a_daemon": SGD, "b_victim": SGD + corpus.HW1["2.2"]}


@pytest.mark.skipif(os.geteuid() != 0 or not corpus.confinable(),
                    reason="needs root to become nobody, and namespaces (a batch without root "
                    "refuses to grade without them)")
def test_without_root_every_hand_in_of_the_corpus_gets_exactly_its_genuine_work(base):
    """The whole corpus graded by nobody (a batch without root), among them a hand-in that
    gives everyone full marks in the gradebook and SIGKILLs its grader and the batch."""
    submissions, out, escape = base / "subs", base / "out", base / "escape"
    escape.mkdir()
    expected = corpus.build(submissions, base / "work", escape)
    for path in [base, *base.rglob("*")]:
        os.chmod(path, 0o777 if path.is_dir() else 0o644)
    done = as_nobody(BATCH, str(submissions), "--out", str(out), "--jobs", "2", "--parts", "1",
                     "--call-timeout", "3", "--timeout", "300",
                     env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = read_csv(out / "grades.csv")
    got = {student: (float(row["total"]), row["grading_status"]) for student, row in rows.items()}
    assert got == {student: (want.total, want.status) for student, want in expected.items()}
    wrong_reasons = {s: rows[s]["reason"][:200] for s, want in expected.items()
                     if want.reason not in rows[s]["reason"]}
    assert not wrong_reasons, wrong_reasons
    assert list(escape.iterdir()) == []


def exported(out: Path) -> dict:
    """Every file of OUT but the gradebook: path -> bytes (temporary files included)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith("gradebook.sqlite")}


def graded_out(base: Path, out: Path) -> Path:
    """OUT after a batch of two hand-ins (Part 2.3); returns SUBMISSIONS_DIR."""
    submissions = base / "subs"
    submissions.mkdir()
    corpus.tar_of(SOLUTION, submissions / "ann.tar")
    corpus.tar_of(HANDOUT, submissions / "bob.tar")
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    return submissions


def test_an_export_that_fails_half_way_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from kit.gradebook import exports
    from kit.gradebook.store import Gradebook
    out = tmp_path / "out"
    graded_out(tmp_path, out)
    before = exported(out)
    book = Gradebook(out / "gradebook.sqlite")
    book.set_meta("due", "2000-01-01T00:00:00+00:00")        # every final score changes
    real_savefig = Figure.savefig

    def full_disk_at_the_last_plot(figure, path, *args, **kwargs) -> None:
        if "check_pass_rates" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_savefig(figure, path, *args, **kwargs)
    monkeypatch.setattr(Figure, "savefig", full_disk_at_the_last_plot)
    with pytest.raises(OSError):
        exports.export_all(out, book)
    assert exported(out) == before
    monkeypatch.undo()
    exports.export_all(out, book)
    book.close()
    assert exported(out)["grades.csv"] != before["grades.csv"]
    assert exported(out).keys() == before.keys()


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory: Path) -> None:
    """Write a file in ``directory`` until its disk is full."""
    with open(directory / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC


def test_a_full_out_disk_stops_with_a_message_and_keeps_the_exports(tmp_path, small_disk):
    out = small_disk / "out"
    submissions = graded_out(tmp_path, out)
    before = exported(out)
    corpus.tar_of(SOLUTION, submissions / "cat.tar")
    fill(small_disk)
    for command in (["grade-batch", str(submissions), "--out", str(out), "--parts", "2.3",
                     "--no-progress"],
                    ["export", str(out), "--due", "2000-01-01T00:00:00Z"]):
        done = subprocess.run([sys.executable, "-m", "kit", *command], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert f"cannot write in {out}" in done.stderr and "run the same command again" in \
            done.stderr, done.stderr
        assert exported(out) == before
    (small_disk / "filler").unlink()
    done = batch(str(submissions), "--out", str(out), "--parts", "2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert totals(out) == {"ann": SGD, "bob": 0, "cat": SGD}


def pax_bomb(path: Path) -> None:
    """A tar whose pax header record has a 200,000-digit length: tarfile's header regular
    expression takes minutes on it (CVE-2024-6232, fixed in 3.11.10 / 3.12.6)."""
    record = b"9" * 200_000 + b" path=x\n"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, len(record)
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(header, io.BytesIO(record))
        tar.addfile(tarfile.TarInfo("mytorch/__init__.py"), io.BytesIO(b""))


def test_a_pax_header_bomb_costs_only_its_own_hand_in(tmp_path):
    """Beside a correct hand-in: the correct one keeps full marks inside a short time budget,
    the bomb is refused as a bad archive, and the batch does not stall."""
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    pax_bomb(submissions / "a_pax.tar")
    corpus.tar_of(SOLUTION, submissions / "b_correct.tar")
    started = time.monotonic()
    done = batch(str(submissions), "--out", str(out), "--jobs", "2", "--parts", "2.3",
                 "--timeout", "30", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 120
    rows = read_csv(out / "grades.csv")
    assert (rows["b_correct"]["total"], rows["b_correct"]["grading_status"]) == ("10", "ok")
    assert (rows["a_pax"]["total"], rows["a_pax"]["grading_status"]) == ("0", "bad_archive")


def test_ctrl_c_stops_a_batch_reading_a_pax_header_bomb_at_once(tmp_path):
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    pax_bomb(submissions / "a_pax.tar")
    process = subprocess.Popen([sys.executable, "-m", "kit", "grade-batch", str(submissions),
                                "--out", str(out), "--parts", "2.3", "--no-progress"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(5)                                  # the archive is being read by now
    process.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    stdout, stderr = process.communicate(timeout=60)
    assert time.monotonic() - stopped < 10, "Ctrl-C took too long"
    assert process.returncode == 130 and "Traceback" not in stderr, stdout + stderr


NOISE = "\x1b[2J\x1b[H\x1b[32mScore: 100/100\x1b[0m\r\x07"
NOISY = f"""
import sys
sys.stderr.write({NOISE!r} * 200_000)
raise ValueError({NOISE!r} + "x" * 5_000_000)
"""


def test_escape_sequences_and_megabytes_in_an_error_stay_out_of_feedback_and_gradebook(tmp_path):
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    tree = corpus.variant(tmp_path, "noisy")
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU, corpus.relu_attack(NOISY))
    corpus.tar_of(tree, submissions / "noisy.tar")
    corpus.tar_of(SOLUTION, submissions / "correct.tar")
    done = batch(str(submissions), "--out", str(out), "--parts", "2.2", "2.3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert totals(out) == {"noisy": SGD, "correct": SGD + corpus.HW1["2.2"]}
    feedback = (out / "feedback" / "noisy.txt").read_text()
    assert "ValueError" in feedback and "\\x1b[2J" in feedback     # shown, not obeyed
    assert len(feedback) < 30_000
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        texts = [text for row in db.execute("SELECT feedback FROM results UNION ALL "
                                            "SELECT reason FROM attempts") for text in row]
    for text in [feedback, *texts]:
        assert not [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"]
    assert max(map(len, texts)) < 30_000


def test_grading_part_2_6_after_part_2_3_keeps_both(tmp_path):
    submissions, out = tmp_path / "subs", tmp_path / "out"
    submissions.mkdir()
    corpus.tar_of(SOLUTION, submissions / "ann.tar")
    tree = corpus.variant(tmp_path, "sgd_sign")          # plain SGD wrong, momentum right
    replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
                 "param.data += self.lr * param.grad.data")
    corpus.tar_of(tree, submissions / "bob.tar")
    for part in ("2.3", "2.6"):
        done = batch(str(submissions), "--out", str(out), "--parts", part)
        assert done.returncode == 0 and "2 to grade" in done.stdout, done.stdout + done.stderr
    rows = read_csv(out / "grades.csv")
    got = {s: (row["2.3 sgd"], row["2.6 momentum"], row["total"]) for s, row in rows.items()}
    assert got == {"ann": ("10", "10", "20"), "bob": ("0", "10", "10")}
