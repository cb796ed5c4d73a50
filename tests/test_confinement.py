"""What student code sees of the machine: its namespaces (autograder/worker/confine.py), its
environment (autograder/grader/student_env.py), and the batch's choice between them.

A hostile ``mytorch`` reports, in the message of the exception it raises, whatever it reached:
PyTorch with the import hook removed or in a child interpreter, the grader's tests, the
reference, another hand-in, the gradebook, other processes, the grader's environment. It runs
in a student process started by the grader as root, and as ``nobody`` (in the grader's
sandbox, as a batch without root would).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.common.paths import WORKER_DIR
from autograder.grader import confinement
from autograder.grader.student_env import ALLOWED, student_env
from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_process import StudentProcess
from kit.batch import grader_process
from kit.batch.settings import Settings
from kit.paths import ROOT

SECRET = "s3cret-instructor-token"
NOBODY = 65534
LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0
CONFINABLE = not confinement.available(str(WORKER_DIR))

HOSTILE = r'''
import glob, importlib, json, os, subprocess, sys
found = {}
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ForbiddenImport"]
try:
    importlib.import_module("to" + "rch").zeros(1)
    found["torch"] = True
except Exception:
    found["torch"] = False
child = subprocess.run([sys.executable, "-c", "import to" + "rch; to" + "rch.zeros(1)"],
                       capture_output=True)
found["child_torch"] = child.returncode == 0
found["seen"] = sorted({p for pattern in PATTERNS for p in glob.glob(pattern, recursive=True)})[:5]
found["processes"] = sorted(p for p in os.listdir("/proc") if p.isdigit())[:5]
found["env"] = sorted(os.environ)
raise RuntimeError("FOUND" + json.dumps(found) + "@@" + repr(dict(os.environ)))
'''


def hostile_target(base: Path) -> Path:
    """A hand-in whose import reports what it reached, beside a hand-in and a gradebook."""
    other = base / "submissions" / "other_student" / "mytorch"
    other.mkdir(parents=True)
    (other / "tensor.py").write_text("# someone else's work\n")
    (base / "out").mkdir()
    (base / "out" / "gradebook.sqlite").write_text("scores\n")
    patterns = [str(ROOT / "autograder" / "**" / "test_*.py"), str(ROOT / "autograder" / "grader"
                / "*.py"), str(ROOT / "solution" / "**" / "*.py"), str(base / "submissions" / "**"
                / "*.py"), str(base / "out" / "*")]
    target = base / "target"
    (target / "mytorch").mkdir(parents=True)
    (target / "mytorch" / "__init__.py").write_text(f"PATTERNS = {patterns!r}\n" + HOSTILE)
    for directory, _, _ in os.walk(base):
        os.chmod(directory, 0o755)
    return target


def findings(message: str) -> dict:
    assert "FOUND" in message, message
    return json.loads(message.split("FOUND", 1)[1].split("@@", 1)[0])


def assert_contained(message: str) -> None:
    found = findings(message)
    assert found["torch"] is False and found["child_torch"] is False, found
    assert found["seen"] == [], found
    assert found["processes"] == ["1", "2"], found       # the namespace's init and the worker
    assert SECRET not in message
    assert set(found["env"]) <= ALLOWED, found["env"]


@pytest.fixture
def base():
    """A scratch directory everyone can read (``nobody`` must reach the hand-in)."""
    path = Path(tempfile.mkdtemp(prefix="confinement-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


RUN_ONE = """
import sys
from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_process import StudentProcess
try:
    with StudentProcess(sys.argv[1]) as student:
        student.run("graph_structure", timeout=60)
except StudentCodeError as error:
    print(error)
"""


def readable_by_others(path: Path) -> bool:
    """Whether users other than the owner may enter every directory down to ``path``."""
    path = path.resolve()
    return all(os.stat(p).st_mode & 0o005 == 0o005 for p in [path, *path.parents])


def as_nobody(script: str, *args: str, env: dict,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``script`` as nobody where nobody can run this Python (the grader's sandbox); the
    test is skipped where nobody cannot read this checkout (a clone in a private directory)."""
    if not readable_by_others(ROOT):
        pytest.skip(f"nobody cannot read the checkout at {ROOT}")
    code = ("import os, subprocess, sys\n"
            "from kit.isolation.sandbox import enter_sandbox\n"
            "enter_sandbox([])\n"
            f"sys.exit(subprocess.run([sys.executable, '-c', {script!r}, *sys.argv[1:]], "
            f"user={NOBODY}, group={NOBODY}, extra_groups=[], cwd='/').returncode)\n")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_hostile_hand_in_reaches_nothing_as_root(base, monkeypatch):
    monkeypatch.setenv("MYTORCH_TEST_TOKEN", SECRET)
    with StudentProcess(hostile_target(base)) as student:
        with pytest.raises(StudentCodeError) as raised:
            student.run("graph_structure", timeout=60)
    assert_contained(str(raised.value))


@pytest.mark.skipif(not (LINUX_ROOT and CONFINABLE), reason="needs root to become nobody")
def test_hostile_hand_in_reaches_nothing_as_nobody(base):
    env = {**os.environ, "MYTORCH_TEST_TOKEN": SECRET, "PYTHONPATH": str(ROOT),
           "AUTOGRADER_CONFINE": "require"}
    done = as_nobody(RUN_ONE, str(hostile_target(base)), env=env)
    assert done.returncode == 0, done.stderr
    assert_contained(done.stdout)


def test_the_environment_is_an_allow_list(monkeypatch):
    monkeypatch.setenv("MYTORCH_TEST_TOKEN", SECRET)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    env = student_env(confined=True)
    assert SECRET not in env.values()
    assert set(env) - ALLOWED == {"LC_ALL"}
    assert env["HOME"] == env["TMPDIR"] == "/tmp" and env["LC_ALL"] == "C.UTF-8"
    assert env["OMP_NUM_THREADS"] == "1" and env["PATH"]
    assert student_env(confined=False)["HOME"] == tempfile.gettempdir()


def test_forbidden_packages_are_masked_wherever_installed():
    import torch
    package = os.path.dirname(torch.__file__)
    assert package in confinement.forbidden_entries()
    spec = confinement.spec(ROOT / "solution", WORKER_DIR)
    shown = {path for _, path, _ in spec["binds"]}
    assert str(ROOT / "solution") in shown and str(WORKER_DIR) in shown
    assert not {str(ROOT), str(ROOT / "autograder"), str(ROOT / "autograder" / "grader")} & shown


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_a_correct_student_process_works_confined(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_CONFINE", "require")
    with StudentProcess(ROOT / "solution") as student:
        assert student.run("graph_structure", timeout=60)
        assert student.process.args[:3] == [sys.executable, "-I", "-S"]


def test_batch_without_root_or_namespaces_refuses_unless_unsafe(monkeypatch, capsys):
    monkeypatch.setenv("AUTOGRADER_CONFINE", "off")           # as if the OS allowed none
    settings = Settings(parts=[])
    with pytest.raises(SystemExit, match="--unsafe-no-isolation"):
        grader_process.check_isolation(None, settings, None)
    settings.unsafe_no_isolation = True
    grader_process.check_isolation(None, settings, None)
    assert settings.confine == "off"
    assert "--unsafe-no-isolation" in capsys.readouterr().err


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_batch_without_root_confines_when_it_can(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_CONFINE", raising=False)
    settings = Settings(parts=[])
    grader_process.check_isolation(None, settings, None)
    assert settings.confine == "require"


BATCH = """
import runpy, sys
sys.argv = ["kit", "grade-batch", *sys.argv[1:], "--no-progress"]
runpy.run_module("kit", run_name="__main__")
"""
NEW_ATTACKS = ("torch_without_hook", "torch_in_child", "glob_secrets", "environment")   # corpus


@pytest.mark.slow
@pytest.mark.skipif(not (LINUX_ROOT and CONFINABLE), reason="needs root to become nobody")
def test_batch_without_root_gives_hostile_hand_ins_nothing(base):
    """As nobody: a correct hand-in keeps 135/135; each attack leaves its ReLU wrong."""
    import corpus
    from kit.paths import SOLUTION
    from kit.textpatch import replace_once
    submissions, out = base / "submissions", base / "out"
    submissions.mkdir()
    corpus.tar_of(SOLUTION, submissions / "correct.tar")
    for name in NEW_ATTACKS:
        tree = corpus.variant(base / "work", name)
        replace_once(tree / "mytorch/nn/activations.py", corpus.RELU,
                     corpus.relu_attack(corpus.attacks(ROOT)[name]))
        corpus.tar_of(tree, submissions / f"{name}.tar")
    for path in [base, *base.rglob("*")]:
        os.chmod(path, 0o777 if path.is_dir() else 0o644)
    env = {**os.environ, "MYTORCH_TEST_TOKEN": SECRET, "PYTHONPATH": str(ROOT)}
    done = as_nobody(BATCH, str(submissions), "--out", str(out), "--jobs", "2", env=env,
                     timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["correct"]["total"]) == corpus.RUBRIC.total
    for name in NEW_ATTACKS:
        assert float(rows[name]["2.2 relu"]) == 0, rows[name]
    feedback = [path for path in (out / "feedback").rglob("*") if path.is_file()]
    assert feedback and not any(SECRET in path.read_text() for path in feedback)


@pytest.mark.skipif(not (LINUX_ROOT and CONFINABLE), reason="needs root for slot uids")
def test_batch_as_root_confines_its_slot_uids():
    """The preflight probes as a slot uid inside the grader's sandbox (the checkout hidden)."""
    settings = Settings(parts=[])
    grader_process.check_isolation(grader_process.make_context(), settings, 64640)
    assert settings.confine == "require"
