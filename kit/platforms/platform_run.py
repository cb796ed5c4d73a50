"""Grade one hand-in on Gradescope or Autolab (shipped inside both bundles as ``platform_run.py``).

    python3 platform_run.py gradescope          # GRADESCOPE_ROOT (default /autograder)
    python3 platform_run.py autolab handin.tar  # in Autolab's job directory

The hand-in is read by ``kit/intake/archive.py``, as in a batch: on Autolab the file
``handin.tar`` (a tar, a compressed tar or a zip, whatever its name), on Gradescope the
uploaded files (folders, an unpacked zip with or without its wrapping folder, a repository,
or an archive kept as a file). A hand-in it refuses is not graded: every part scores 0 and
the student reads why, in one message. It is graded in a scratch directory
by the bundled autograder (``python3 -m autograder``, hidden tests included when the bundle has
them), run by this interpreter (the bundle's virtual environment: see setup.sh).

As root (Gradescope), the student's code runs as ``nobody`` when that user can run this Python
(``kit/isolation/uids.py``): the grader's own directory (this one: the tests, hidden ones
included) is made unreadable to other users, the hand-in is copied into a scratch directory
owned by ``nobody``, and the student process runs a copy of what it needs (autograder/worker,
autograder/common, the computations of the hidden tests, data/) from a directory it can read.
When ``nobody`` cannot, the student process must get namespaces of its own
(``AUTOGRADER_CONFINE=require``): student code never runs as root unconfined. Without root
(Autolab: one unprivileged user for grader and student) the hidden tests' files are deleted
from this disposable copy once pytest has collected them, before any student code runs
(AUTOGRADER_FORGET_HIDDEN, autograder/conftest.py).

The grader writes its results.json into a directory only root can enter; this script copies it
to Gradescope's ``results/results.json`` once the grader has exited (a grader killed by student
code leaves no results, and the copy says so), so whatever student code wrote there is replaced.

``AUTOGRADER_DEADLINE`` (seconds, default DEFAULT_DEADLINE) bounds the whole grading run, so a
submission that hangs everywhere still gets its results inside the platform's time limit
(autograder/grader/budget.py shares it out over the checks).

Beside the standard library it imports the bundled autograder (the student's limits on the
platforms are rubric.toml's [limits], read by autograder/grader/process_limits.py) and the kit
modules the bundle ships under ``kit/`` beside this file (kit/platforms/builders.py,
SHIPPED_KIT). It runs in the bundle's virtual environment (setup.sh), the interpreter of the
grader it starts, which reads the same rubric: on Python 3.10 both need ``tomli``, installed
there with the grader's stack.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

from autograder.common.paths import WORKER_FILES
from autograder.grader import process_limits
from autograder.grader.report import autolab_line, gradescope_results
from autograder.grader.rubric import Part, Rubric
from autograder.grader.scoring import CheckResult, score_checks
from kit.intake import archive
from kit.isolation import uids

HERE = Path(__file__).resolve().parent        # the bundle's root (/autograder/source)
NOBODY = 65534
STARTED = time.monotonic()
# Seconds for grading one submission: with Python's and pytest's start-up and the report this
# stays under 8 minutes at one core (Gradescope's default limit is 10 minutes at half a vCPU;
# Autolab's jobs are capped just under 15). bench/platform_limits.py measures it.
DEFAULT_DEADLINE = 420.0
# What each check of a hand-in that could not be read says (the reason is the top message).
NOT_READ = "not graded: the hand-in could not be read (see the message at the top)"


def prepare_target(submission: Path, work: Path) -> Tuple[bool, str]:
    """Put the hand-in's mytorch/ and hw1/ in ``work``: (whether it can be graded, a note for
    the student: why not, or what was left out)."""
    try:
        extracted = archive.extract(submission, work)
    except archive.BadArchive as error:
        return False, f"Your hand-in could not be graded: {error}"
    return True, "\n".join(extracted.notes)


def zero_results(parts: List[Part], reason: str) -> List[CheckResult]:
    """Every check of ``parts`` at 0, for ``reason``: a hand-in that could not be graded."""
    return score_checks(parts, [], {p.number: reason for p in parts})

def worker_runtime(directory: Path) -> Path:
    """Copy WORKER_FILES (all of it visible to the student's code: it runs in that process;
    the tests themselves are not copied) to ``directory`` (readable by everyone); return its worker/."""
    for name in WORKER_FILES:
        source, copy = HERE / name, directory / name
        if source.is_dir():
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
    for root, folders, files in os.walk(directory):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return directory / "autograder" / "worker"


def isolate(work: Path, env: dict) -> str:
    """As root, run the student's code as nobody (if nobody can run this Python).

    Returns why the student's code runs with the grader's uid ("" when it does not)."""
    if not uids.isolating():
        return "not root"
    try:
        why = uids.python_fails_as(NOBODY)
    except (OSError, subprocess.SubprocessError) as error:
        why = str(error)
    if why:
        env["AUTOGRADER_CONFINE"] = "require"
        return f"nobody cannot run {sys.executable}: {why.strip()[-300:]}"
    os.chmod(HERE, 0o700)                    # the tests, hidden ones too: root only
    uids.chown_tree(work, NOBODY)
    env["AUTOGRADER_RUN_AS_UID"] = str(NOBODY)
    env["AUTOGRADER_WORKER_DIR"] = str(worker_runtime(work.parent / "runtime"))
    return ""


def deadline() -> str:
    """AUTOGRADER_DEADLINE for the grader: the submission's total less what we used so far."""
    total = float(os.environ.get("AUTOGRADER_DEADLINE") or DEFAULT_DEADLINE)
    return f"{max(1.0, total - (time.monotonic() - STARTED)):.1f}"


def run_grader(target: Path, extra: List[str]) -> subprocess.CompletedProcess:
    # The platforms' limits, unless the container's environment sets its own.
    env = {**process_limits.for_way("platforms").environment(), **os.environ,
           "PYTHONPATH": str(HERE), "NO_COLOR": "1", "AUTOGRADER_HANDIN": "copy"}
    shared = isolate(target, env)
    if shared and uids.isolating():
        print(f"warning: the student's code runs as root in namespaces of its own, or not at "
              f"all where they are unavailable ({shared})", file=sys.stderr)
    if shared:          # the student's code runs as the grader's user: in this disposable
        env["AUTOGRADER_FORGET_HIDDEN"] = "1"      # copy, the hidden tests go once collected
    env["AUTOGRADER_DEADLINE"] = deadline()
    hidden = ["--hidden"] if (HERE / "autograder" / "hidden").is_dir() else []
    return subprocess.run([sys.executable, "-m", "autograder", "--target", str(target),
                           "--no-color", *hidden, *extra], cwd=HERE, env=env, text=True,
                          capture_output=True)


def gradescope() -> int:
    root = Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o755)
        private = Path(scratch) / "private"
        private.mkdir(mode=0o700)
        target = Path(scratch) / "target"
        graded, note = prepare_target(root / "submission", target)
        if graded:
            done = run_grader(target, ["--json", str(private / "results.json")])
            print(done.stdout)
            try:
                data = json.loads((private / "results.json").read_text()) \
                    if done.returncode == 0 else None
            except (OSError, ValueError):
                data = None
            if not isinstance(data, dict):
                data = {"score": 0.0, "tests": [], "visibility": "visible",
                        "output": "The autograder failed; please tell the course staff.\n"
                                  + done.stderr[-2000:]}
        else:
            print(note)
            parts = Rubric().parts
            data = gradescope_results(parts, zero_results(parts, NOT_READ),
                                      time.monotonic() - STARTED)
            data["output"] = ""
    if note:
        data["output"] = note + ("\n\n" + data["output"] if data.get("output") else "")
    handle, temporary = tempfile.mkstemp(dir=results.parent, prefix=".results.")
    with open(handle, "w") as stream:
        json.dump(data, stream, indent=2)
    os.chmod(temporary, 0o644)
    os.replace(temporary, results)
    return 0


def autolab(handin: Path) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o755)
        target = Path(scratch) / "target"
        graded, note = prepare_target(handin, target)
        if note:
            print(note)
        if not graded:
            parts = Rubric().parts
            print(autolab_line(parts, zero_results(parts, NOT_READ)))
            return 0
        done = run_grader(target, [])
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        print(done.stderr[-2000:])
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith('{"scores"'):
        # Autolab needs a scores line, even now
        parts = Rubric().parts
        print(autolab_line(parts, zero_results(parts, "the grader failed")))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["gradescope"]:
        return gradescope()
    if argv[:1] == ["autolab"] and len(argv) == 2:
        return autolab(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
