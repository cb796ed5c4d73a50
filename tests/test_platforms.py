"""The Gradescope and Autolab bundles, run locally in fake platform layouts."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Optional

import pytest

import corpus
from autograder.grader.rubric import Rubric
from autograder.grader import import_policy, visibility
from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.platforms import builders
from conftest import pyenv_python
from kit.textpatch import replace_once

RUBRIC = Rubric()
VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}


def check_gradescope_schema(data: dict) -> None:
    """results.json as grading-formats.md describes it."""
    assert isinstance(data["score"], (int, float))
    assert isinstance(data.get("output", ""), str)
    assert data.get("visibility", "visible") in VISIBILITY
    assert data.get("stdout_visibility", "hidden") in VISIBILITY
    assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITY
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return {"gradescope": builders.build_gradescope(out),
            "autolab": builders.build_autolab(out)}


def run_gradescope(bundle: Path, root: Path, submission, python: str = "",
                   log: Optional[list] = None) -> dict:
    """Lay out GRADESCOPE_ROOT as Gradescope does and run the copied run_autograder there.

    The zip is unpacked into root/source (Gradescope runs setup.sh from there), run_autograder
    is COPIED to root/run_autograder and run with the working directory root, the hand-in is in
    root/submission and the result goes to root/results/results.json."""
    root.mkdir(parents=True)
    os.chmod(root, 0o755)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder", "install_stack.sh"):
        os.chmod(root / "source" / name, 0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "results").mkdir()
    submission(root / "submission")
    env = {**os.environ, "GRADESCOPE_ROOT": str(root), "MYTORCH_PYTHON": python or sys.executable}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    if log is not None:                    # what Gradescope's (staff-only) log shows
        log.append(done.stdout + done.stderr)
    return json.loads((root / "results" / "results.json").read_text())


def student_visible(data: dict) -> str:
    """Every results.json field a student can read (stdout_visibility is hidden)."""
    return "\n".join([data.get("output", "")] + [t["name"] + "\n" + t["output"]
                                                 for t in data["tests"]])


def test_gradescope_zip_has_what_gradescope_needs(bundles):
    names = set(zipfile.ZipFile(bundles["gradescope"]).namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/rubric.toml",
            "platform_run.py"} <= names
    assert {f"kit/{name}" for name in builders.SHIPPED_KIT} <= names
    assert "kit/intake/archive.py" in names
    assert any(n.startswith("autograder/hidden/") for n in names)
    requirements = zipfile.ZipFile(bundles["gradescope"]).read("requirements.txt").decode()
    assert "torch==2.13.0" in requirements and all("==" in line for line in requirements.splitlines())
    setup = zipfile.ZipFile(bundles["gradescope"]).read("setup.sh").decode()
    assert "install_stack.sh" in setup
    installer = zipfile.ZipFile(bundles["gradescope"]).read("install_stack.sh").decode()
    assert "download.pytorch.org/whl/cpu" in installer and " -m venv " in installer
    run = zipfile.ZipFile(bundles["gradescope"]).read("run_autograder").decode()
    assert "GRADESCOPE_ROOT:-/autograder}/source" not in run       # resolved below, not nested
    assert '$root/source' in run and "/bin/python" in run


def grade_handin_tar(bundles, tmp_path: Path, tree: Path) -> dict:
    """Gradescope's results.json for a handin.tar of ``tree``, schema checked."""
    def submit(directory: Path) -> None:
        directory.mkdir()
        corpus.tar_of(tree, directory / "handin.tar")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    return data


@pytest.mark.slow
def test_gradescope_grades_a_handin_tar(bundles, tmp_path):
    data = grade_handin_tar(bundles, tmp_path, SOLUTION)
    assert data["score"] == RUBRIC.total
    assert len(data["tests"]) >= sum(len(p.checks) for p in RUBRIC.parts)
    assert data["output_format"] == "text" and data["stdout_visibility"] == "hidden"
    [board] = data["leaderboard"]
    assert board["name"].startswith("MNIST accuracy") and 92 <= board["value"] <= 100
    hidden = {t["name"]: t["visibility"] for t in data["tests"]}
    assert hidden["2.2 ReLU: relu"] == RUBRIC.platforms["hidden_visibility"]
    assert hidden["2.3 SGD: sgd"] == "visible"


@pytest.mark.slow
def test_gradescope_charges_a_hidden_forbidden_import_as_every_path_does(bundles, tmp_path):
    tree = corpus.variant(tmp_path, "utf7_import")
    (tree / "mytorch/notes.py").write_bytes(corpus.UTF7_HIDDEN_IMPORT)
    forfeited = import_policy.judge(tree, RUBRIC.parts, RUBRIC).forfeited
    data = grade_handin_tar(bundles, tmp_path, tree)
    assert forfeited and data["score"] == RUBRIC.total - sum(
        RUBRIC.by_number[number].points for number in forfeited)
    assert "forbidden import: mytorch/notes.py:3 imports torch" in data["output"]


def test_gradescope_grades_the_handout_zero(bundles, tmp_path):
    data = grade_handin_tar(bundles, tmp_path, HANDOUT)
    assert data["score"] == 0 and "Not implemented yet" in data["output"]
    assert "Traceback" not in student_visible(data)
    assert "leaderboard" not in data


@pytest.mark.slow
def test_gradescope_shows_nothing_of_a_hidden_test(bundles, tmp_path):
    # Correct on the public shapes; wrong on 4-d inputs, which only the hidden tests use.
    def submit(directory: Path) -> None:
        tree = corpus.variant(tmp_path, "rank4")
        replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                     "        if x.data.ndim == 4:\n            print('INPUT', x.data.shape, "
                     "x.data.ravel()[:3])\n            raise ValueError(f'saw {x.data.shape} "
                     "{x.data.ravel()[:3]}')\n" + corpus.RELU)
        directory.mkdir()
        corpus.tar_of(tree, directory / "handin.tar")
    log: list = []
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit, log=log)
    check_gradescope_schema(data)
    relu = next(t for t in data["tests"] if t["name"] == "2.2 ReLU: relu")
    assert relu["status"] == "failed" and relu["output"] == visibility.HIDDEN_FAILURE
    assert relu["visibility"] == RUBRIC.platforms["hidden_visibility"]
    assert data["score"] == RUBRIC.total - RUBRIC.by_number["2.2"].checks["relu"]
    for text in (student_visible(data), log[0]):      # Gradescope's (hidden) log too
        for secret in ("2, 2, 2, 3", "saw ", "INPUT", "test_relu_hidden", "relu_of_sum",
                       "hidden/"):
            assert secret not in text
    assert "Checks that include hidden tests are shown" in data["output"]


@pytest.mark.slow
def test_gradescope_grades_uploaded_folders(bundles, tmp_path):
    def submit(directory: Path) -> None:
        tree = corpus.variant(tmp_path, "sgd_sign")
        replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
                    "param.data += self.lr * param.grad.data")
        shutil.copytree(tree, directory)
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == RUBRIC.total - RUBRIC.by_number["2.3"].points
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["number"] for t in failed] == ["2.3"] and failed[0]["output"]


def test_gradescope_bad_archive_scores_zero_with_a_reason(bundles, tmp_path):
    def submit(directory: Path) -> None:
        directory.mkdir()
        (directory / "handin.tar").write_bytes(b"not a tar at all")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == 0
    assert data["output"].startswith("Your hand-in could not be graded: not a tar archive")


@pytest.mark.parametrize("shape", [s for s in corpus.UPLOAD_SHAPES if s != "handin.tar"])
def test_gradescope_reads_every_upload_shape(bundles, tmp_path, shape):
    """The handout, uploaded in each shape: graded (its stubs reported), never refused."""
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder",
                          lambda sub: corpus.UPLOAD_SHAPES[shape](HANDOUT, sub))
    check_gradescope_schema(data)
    assert data["score"] == 0 and "Not implemented yet" in data["output"], data["output"][:500]
    assert "could not be graded" not in data["output"]


def test_gradescope_refuses_an_upload_without_mytorch_in_one_message(bundles, tmp_path):
    def submit(directory: Path) -> None:
        (directory / "src").mkdir(parents=True)
        (directory / "src" / "tensor.py").write_text("x = 1\n")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == 0 and len(data["tests"]) == sum(len(p.checks) for p in RUBRIC.parts)
    assert data["output"] == ("Your hand-in could not be graded: no mytorch/ folder in the "
                              "hand-in (it holds 'src'); hand in the handin.tar made by "
                              "./create_tarball.sh, or your project folder with mytorch/ and hw1/")
    for test in data["tests"]:
        assert test["output"].startswith("0 points: not graded: the hand-in could not be read")
        assert "Error" not in test["output"]


@pytest.mark.parametrize("link", ["hw1", "mytorch"])
def test_gradescope_never_follows_a_link_to_the_grader(bundles, tmp_path, link):
    """A folder hand-in whose hw1 (or mytorch) is a link to the hidden tests: refused, and
    nothing of them reaches results.json."""
    def submit(directory: Path) -> None:
        corpus.project_copy(HANDOUT, directory)
        shutil.rmtree(directory / link)
        (directory / link).symlink_to(directory.parent / "source" / "autograder" / "hidden")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == 0
    assert data["output"].startswith("Your hand-in could not be graded: unsafe hand-in, nothing "
                                     f"was extracted: '{link}': a symbolic link")
    for secret in ("def test_", "test_hidden", "import "):
        assert secret not in student_visible(data)


@pytest.mark.slow
def test_one_handin_scores_the_same_in_every_shape_on_every_path(bundles, tmp_path):
    """Gradescope (every upload shape), Autolab's make, grade_local and the batch read a
    hand-in through one intake: the same per-part scores for each shape. The hand-in is quick
    to grade and has a score of its own: a wrong SGD and no Part 3 (no hw1/mnist.py nor
    its notebook)."""
    tree = corpus.variant(tmp_path, "fingerprint")
    (tree / "hw1" / "mnist.py").unlink()
    (tree / "hw1" / "mnist.ipynb").unlink()
    replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
                 "param.data += self.lr * param.grad.data")
    expected = {p.name: 0.0 if p.number in ("2.3", "3") else p.points for p in RUBRIC.parts}
    seen = {}
    for i, (shape, make) in enumerate(corpus.UPLOAD_SHAPES.items()):
        data = run_gradescope(bundles["gradescope"], tmp_path / f"gradescope-{i}",
                              lambda sub: make(tree, sub))
        scores = dict.fromkeys(expected, 0.0)
        for test in data["tests"]:
            scores[test["tags"][0]] += test["score"]
        seen[f"gradescope, {shape}"] = scores
    handins = tmp_path / "handins"
    handins.mkdir()
    for i, (shape, make) in enumerate(corpus.ARCHIVE_SHAPES.items()):
        make(tree, handins / f"s{i}{'.zip' if 'zip' in shape else '.tar'}")
        lines = run_autolab(bundles, tmp_path / f"autolab-{i}", handins / f"s{i}"
                            f"{'.zip' if 'zip' in shape else '.tar'}")
        seen[f"autolab, {shape}"] = json.loads(lines[-1])["scores"]
    corpus.project_copy(tree, handins / "folder" / "mytorch-handout")
    done = subprocess.run([sys.executable, str(builders.IMAGE_DIR / "grade_local.py"),
                           str(bundles["autolab"][0]), str(handins), str(tmp_path / "local")],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "local" / "scores.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            seen[f"grade_local, {row['handin']}"] = {p: float(row[p]) for p in expected}
    (handins / "folder" / "mytorch-handout" / ".venv" / "bin" / "python").unlink()
    shutil.rmtree(handins / "folder")                  # the batch grades archives
    graded = subprocess.run([sys.executable, "-m", "kit", "grade-batch", str(handins), "--out",
                             str(tmp_path / "batch"), "--hidden", "--jobs", "2", "--no-progress"],
                            cwd=ROOT, capture_output=True, text=True, timeout=1800,
                            stdin=subprocess.DEVNULL)
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "batch" / "grades.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            seen[f"batch, {row['student_id']}"] = {
                p.name: float(row[f"{p.number} {p.name}"]) for p in RUBRIC.parts}
    assert len(seen) == 6 + 4 + 5 + 4
    different = {path: {k: v for k, v in scores.items() if v != expected.get(k)}
                 for path, scores in seen.items() if scores != expected}
    assert different == {}, different


def test_run_autograder_also_runs_from_source(bundles, tmp_path):
    """Run as source/run_autograder (without GRADESCOPE_ROOT/source holding the grader)."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundles["gradescope"]) as archive:
        archive.extractall(tmp_path / "elsewhere")
    script = tmp_path / "elsewhere" / "run_autograder"
    os.chmod(script, 0o755)
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "handin.tar").write_bytes(b"not a tar at all")
    done = subprocess.run([str(script)], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "GRADESCOPE_ROOT": str(root),
                               "MYTORCH_PYTHON": sys.executable}, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "not a tar archive" in data["output"]


def test_run_autograder_without_its_environment_says_so(bundles, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundles["gradescope"]) as archive:
        archive.extractall(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "GRADESCOPE_ROOT": str(root),
                                          "MYTORCH_VENV": str(tmp_path / "no-venv")})
    assert done.returncode == 1 and "setup.sh" in done.stderr
    assert "not set up" in json.loads((root / "results" / "results.json").read_text())["output"]


def run_autolab(bundles, job: Path, handin: Path) -> list:
    job.mkdir()
    tar, makefile, _settings = bundles["autolab"]
    shutil.copy(tar, job / "autograde.tar")
    shutil.copy(makefile, job / "Makefile")
    shutil.copy(handin, job / "handin.tar")
    done = subprocess.run(["make", "-s", "autograde"], cwd=job, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


@pytest.mark.slow
def test_autolab_last_line_is_the_scores_json(bundles, tmp_path):
    handin = tmp_path / "handin.tar"
    corpus.tar_of(SOLUTION, handin)
    lines = run_autolab(bundles, tmp_path / "job", handin)
    scores = json.loads(lines[-1])["scores"]
    assert scores == {p.name: p.points for p in RUBRIC.parts}
    total, accuracy = json.loads(lines[-1])["scoreboard"]
    assert total == RUBRIC.total and 92 <= accuracy <= 100
    assert any(line.startswith("Total: ") for line in lines)


def test_autolab_unsafe_archive_scores_zero(bundles, tmp_path):
    escape = tmp_path / "escape"
    escape.mkdir()
    corpus._special(tmp_path / "handin.tar", escape, lambda tar: corpus._add_bytes(
        tar, "../escaped.txt"))
    lines = run_autolab(bundles, tmp_path / "job", tmp_path / "handin.tar")
    assert json.loads(lines[-1])["scores"] == {p.name: 0.0 for p in RUBRIC.parts}
    assert any("unsafe archive" in line for line in lines)
    assert not (tmp_path / "escaped.txt").exists() and list(escape.iterdir()) == []


# ------------------------------------------------------------------ the masking rule, directly
def test_one_masking_rule_for_every_output():
    from autograder.grader import report
    from autograder.grader.scoring import TestOutcome, score_checks
    from kit.batch import scoring as batch_scoring
    part = RUBRIC.by_number["2.2"]
    secret = "ReLU()(x) forward on: x shape (2, 2, 2, 3) expected 0.25, got -0.25"
    hidden = TestOutcome("autograder/hidden/test_hidden_2_2_relu.py::test_relu_hidden[(2, 2, 2, 3)]",
                         "2.2", "relu", passed=False, message=secret)
    public = TestOutcome("autograder/test_2_2_relu.py::test_relu[1]", "2.2", "relu", passed=True)
    results = score_checks([part], [hidden, public])
    texts = [report.feedback_text(results, verbose, report.PLAIN) for verbose in (False, True)]
    data = report.gradescope_results([part], results, 1.0, hidden_visibility="after_published")
    texts += [student_visible(data), report.autolab_line([part], results),
              batch_scoring.student_message(hidden)]
    for text in texts:
        assert "2, 2, 2, 3" not in text and "expected" not in text and "test_relu_hidden" not in text
    assert data["tests"][0]["visibility"] == "after_published"
    assert batch_scoring.student_message(hidden) == visibility.HIDDEN_FAILURE
    with pytest.raises(ValueError):
        report.gradescope_results([part], results, 1.0, hidden_visibility="soon")


# ------------------------------------------------------------------ install_stack.sh (setup.sh)
def fake_bin(directory: Path, python3: str) -> Path:
    """A PATH with the tools install_stack.sh needs, a python3 of our choice and an apt-get
    that logs its arguments; installing python3-venv leaves a mark the fake python3 can test,
    and installing python3.11 provides one (the real interpreter)."""
    directory.mkdir()
    for tool in ("bash", "grep", "dirname", "basename", "chmod", "cat", "env"):
        os.symlink(shutil.which(tool), directory / tool)
    (directory / "python3").write_text(python3)
    (directory / "apt-get").write_text(
        "#!/bin/sh\necho \"$*\" >> \"$APT_LOG\"\n"
        f"case \"$*\" in *python3-venv*) touch '{directory}/venv-installed';; esac\n"
        "case \"$*\" in *python3.11-venv*) printf '#!/bin/sh\\nexec %s \"$@\"\\n' "
        f"'{sys.executable}' > '{directory}/python3.11'; chmod +x '{directory}/python3.11';; esac\n")
    for name in ("python3", "apt-get"):
        os.chmod(directory / name, 0o755)
    return directory


def run_installer(tmp_path: Path, python3: str, **env) -> subprocess.CompletedProcess:
    bin_dir = fake_bin(tmp_path / "bin", python3)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(builders.pinned_requirements().values()) + "\n")
    return subprocess.run(
        [str(bin_dir / "bash"), str(builders.INSTALL_STACK), str(requirements)],
        capture_output=True, text=True, timeout=300,
        env={"PATH": str(bin_dir), "APT_LOG": str(tmp_path / "apt.log"), "HOME": str(tmp_path),
             "MYTORCH_VENV": str(tmp_path / "venv"), "MYTORCH_SETUP_DRY_RUN": "1", **env})


def assert_venv_and_dry_run(tmp_path: Path, done: subprocess.CompletedProcess) -> None:
    venv_python = tmp_path / "venv" / "bin" / "python"
    assert subprocess.run([str(venv_python), "-c", "import sys; assert sys.prefix != sys.base_prefix"
                           ]).returncode == 0
    lines = [line for line in done.stdout.splitlines() if line.startswith("dry run: ")]
    assert f"{venv_python} -m pip install" in lines[0]
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in lines[0]
    assert lines[1].endswith("-r " + str(tmp_path / "requirements.txt"))


def test_installer_on_ubuntu_22_04_uses_python_3_10_and_adds_its_venv_module(tmp_path):
    # Ubuntu 22.04: python3 is 3.10.12 (tarfile's data filter included), without ensurepip
    # until apt installs python3-venv. The pins have wheels for it.
    real = pyenv_python("3.10") or sys.executable
    python3 = ("#!/bin/sh\ncase \"$*\" in *ensurepip*) "
               f"[ -f '{tmp_path}/bin/venv-installed' ] || exit 1;; esac\nexec '{real}' \"$@\"\n")
    done = run_installer(tmp_path, python3)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "apt.log").read_text().split("\n")[1].endswith("python3-venv")
    assert "python3.11" not in (tmp_path / "apt.log").read_text()
    assert_venv_and_dry_run(tmp_path, done)


def test_installer_gets_python_3_11_from_apt_when_python3_is_too_old(tmp_path):
    done = run_installer(tmp_path, "#!/bin/sh\nexit 1\n")
    assert done.returncode == 0, done.stderr
    assert "install -y -q --no-install-recommends python3.11 python3.11-venv" in \
        (tmp_path / "apt.log").read_text()
    assert_venv_and_dry_run(tmp_path, done)


def test_installer_on_ubuntu_24_04_uses_the_system_python_in_a_venv(tmp_path):
    # Ubuntu 24.04: python3 is 3.12; pip still goes into the venv, never the system.
    done = run_installer(tmp_path, f"#!/bin/sh\nexec '{sys.executable}' \"$@\"\n")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "apt.log").exists()
    assert "-m pip install" in done.stdout and str(tmp_path / "venv" / "bin" / "python") in done.stdout
    assert "dry run: python3 -m pip" not in done.stdout


def test_installer_refuses_a_python_older_than_3_10(tmp_path):
    old = pyenv_python("3.9")
    if old is None:
        pytest.skip("no Python 3.9 here")
    done = run_installer(tmp_path, "#!/bin/sh\nexit 1\n", MYTORCH_PYTHON=old)
    assert done.returncode != 0 and "not Python >= 3.10" in done.stderr


# ------------------------------------------------------------------ the student runs as nobody
def python_nobody_can_run() -> Optional[str]:
    """A system Python >= 3.10 outside any private directory (this one may be in /root)."""
    for candidate in ("/usr/bin/python3", "/usr/bin/python3.12", "/usr/bin/python3.11"):
        if os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))"],
                capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def nobody_venv():
    """The stack installed by install_stack.sh (for real) where nobody can run it."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the bundle runs the student's code as nobody)")
    system = python_nobody_can_run()
    if system is None:
        pytest.skip("no system Python >= 3.10 with venv")
    directory = Path(tempfile.mkdtemp(prefix="mytorch-venv-", dir="/tmp"))
    os.chmod(directory, 0o755)
    requirements = directory / "requirements.txt"
    requirements.write_text("\n".join(builders.pinned_requirements().values()) + "\n")
    done = subprocess.run(["bash", str(builders.INSTALL_STACK), str(requirements)],
                          capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "MYTORCH_PYTHON": system,
                               "MYTORCH_VENV": str(directory / "venv"),
                               "MYTORCH_TORCH_INDEX": ""})    # pip's own index (no network to PyTorch's)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    yield str(directory / "venv" / "bin" / "python")
    shutil.rmtree(directory, ignore_errors=True)


SNOOP = """        import glob
        try:
            files = glob.glob({pattern!r})
            readable = bool(files) and all(open(f).read() for f in files)
        except OSError:
            readable = False
        if not readable:                # the identity: ReLU fails unless the tests are readable
            return x
"""


@pytest.mark.slow
def test_student_code_cannot_read_the_hidden_tests(bundles, nobody_venv, tmp_path):
    root = Path(tempfile.mkdtemp(prefix="gradescope-", dir="/tmp")) / "autograder"
    pattern = str(root / "source" / "autograder" / "hidden" / "test_*.py")
    tree = corpus.variant(tmp_path, "snoop")
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                 SNOOP.format(pattern=pattern) + corpus.RELU)

    def submit(directory: Path) -> None:       # uploaded folders: any Python >= 3.10 copies them
        shutil.copytree(tree, directory)
    try:
        data = run_gradescope(bundles["gradescope"], root, submit, python=nobody_venv)
        # Control: with the file readable (as root, here), the same ReLU is right.
        control = subprocess.run([sys.executable, "-c", (
            "import numpy as np; from mytorch.tensor import Tensor; from mytorch.nn.activations "
            "import ReLU; x = Tensor(np.array([-1.0, 2.0])); print(ReLU()(x).data.tolist())")],
            cwd=tree, capture_output=True, text=True)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
    assert control.stdout.strip() == "[0.0, 2.0]", control.stderr
    relu = next(t for t in data["tests"] if t["name"] == "2.2 ReLU: relu")
    assert relu["status"] == "failed"
    assert next(t for t in data["tests"] if t["name"].endswith(": sgd"))["status"] == "passed"


@pytest.mark.slow
def test_autolab_student_code_cannot_read_the_hidden_tests(bundles, nobody_venv, tmp_path):
    """Tango's job: grader and student code one unprivileged user, no namespaces (Docker's
    seccomp profile): the hidden tests are gone from the job's copy before student code runs."""
    job = Path(tempfile.mkdtemp(prefix="autolab-job-", dir="/tmp"))
    pattern = str(job / "mytorch-autograder" / "autograder" / "hidden" / "test_*.py")
    tree = corpus.variant(tmp_path, "snoop")
    replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                 SNOOP.format(pattern=pattern) + corpus.RELU)
    tar, makefile, _settings = bundles["autolab"]
    try:
        shutil.copy(tar, job / "autograde.tar")
        shutil.copy(makefile, job / "Makefile")
        corpus.tar_of(tree, job / "handin.tar")
        for path in [job, *job.iterdir()]:
            os.chown(path, 65534, 65534)
        done = subprocess.run(["runuser", "-u", "nobody", "--", "make", "-s", "autograde",
                               f"PYTHON={nobody_venv}"], cwd=job, capture_output=True,
                              text=True, timeout=900,
                              env={**os.environ, "AUTOGRADER_CONFINE": "off"})
        hidden_left = sorted(p.name for p in Path(pattern).parent.glob("test_*.py"))
    finally:
        shutil.rmtree(job, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = json.loads(done.stdout.strip().splitlines()[-1])["scores"]
    assert scores["relu"] == 0 and scores["sgd"] == RUBRIC.by_number["2.3"].points, scores
    assert hidden_left == []


# ------------------------------------------------------------------ setup.sh on Python 3.10 and 3.12
def world_runnable_copy(python: str, into: Path) -> str:
    """A copy of ``python``'s installation under ``into`` that nobody can run (pyenv's live in
    /root): Python finds its prefix from the executable's place; its libpython is found through
    LD_LIBRARY_PATH, which the caller sets (the executable's RUNPATH names the original)."""
    prefix = Path(subprocess.run([python, "-c", "import sys; print(sys.base_prefix)"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    shutil.copytree(prefix, into, symlinks=True)
    for folder, _, files in os.walk(into):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)
    return str(into / "bin" / Path(python).name)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_setup_sh_and_grading_on_python(version, bundles, monkeypatch):
    """Gradescope's setup.sh (from the unpacked zip) builds the stack from Python 3.10 (Ubuntu
    22.04's python3) and 3.12 (24.04's), and the reference gets full marks with it, graded
    with the student's code as nobody. pip's own index stands in for PyTorch's CPU index."""
    python = pyenv_python(version)
    if python is None:
        pytest.skip(f"no Python {version} here")
    if shutil.disk_usage("/tmp").free < 15 * 2 ** 30:
        pytest.skip("needs 15 GB free in /tmp (PyTorch from PyPI is the CUDA build here)")
    work = Path(tempfile.mkdtemp(prefix=f"mytorch-py{version}-", dir="/tmp"))
    try:
        os.chmod(work, 0o755)
        interpreter = world_runnable_copy(python, work / "python")
        monkeypatch.setenv("LD_LIBRARY_PATH", str(work / "python" / "lib"))
        source = work / "setup"
        with zipfile.ZipFile(bundles["gradescope"]) as archive:
            archive.extractall(source)
        done = subprocess.run(["bash", str(source / "setup.sh")], capture_output=True, text=True,
                              timeout=1800, env={**os.environ, "MYTORCH_PYTHON": interpreter,
                                                 "MYTORCH_VENV": str(work / "venv"),
                                                 "MYTORCH_TORCH_INDEX": ""})
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        venv_python = str(work / "venv" / "bin" / "python")
        assert subprocess.run([venv_python, "-c", f"import sys; assert sys.version.startswith("
                               f"'{version}.')"]).returncode == 0

        def submit(directory: Path) -> None:
            directory.mkdir()
            corpus.tar_of(SOLUTION, directory / "handin.tar")
        log: list = []
        data = run_gradescope(bundles["gradescope"], work / "autograder", submit,
                              python=venv_python, log=log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    check_gradescope_schema(data)
    assert data["score"] == RUBRIC.total, student_visible(data)
    if os.geteuid() == 0:
        assert "runs as root" not in log[0]


# ------------------------------------------------------------------ Autolab settings, local image
def test_autolab_assessment_settings_match_the_rubric(bundles):
    text = bundles["autolab"][2].read_text()
    assert "handin_filename: handin.tar" in text
    for part in RUBRIC.parts:
        assert f"  - name: {part.name}\n" in text and f"    max_score: {part.points:g}\n" in text
    timeout = int(text.split("autograde_timeout: ")[1].split()[0])
    assert 420 < timeout < 900                         # the grader's deadline, under Tango's cap
    assert "MNIST accuracy" in text


@pytest.mark.slow
def test_grade_local_grades_a_folder(bundles, tmp_path):
    handins = tmp_path / "handins"
    handins.mkdir()
    (handins / "bad.tar").write_bytes(b"not a tar at all")
    shutil.copytree(HANDOUT, handins / "stub", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, str(builders.IMAGE_DIR / "grade_local.py"),
                           str(bundles["autolab"][0]), str(handins), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "out" / "scores.csv").read_text().splitlines()
    assert rows[0].startswith("handin," + ",".join(p.name for p in RUBRIC.parts))
    assert [row.split(",")[0] for row in rows[1:]] == ["bad", "stub"]
    assert "not a tar archive" in (tmp_path / "out" / "bad.txt").read_text()
