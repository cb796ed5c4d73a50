"""Helpers for the kit's own tests: run ./grade.sh and read what it printed.

Repository paths come from kit.paths; deliberate bugs are planted with kit.textpatch.replace_once.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from kit.paths import GRADE_SH, SOLUTION
from kit.textpatch import replace_once


@dataclass
class Graded:
    returncode: int
    stdout: str
    stderr: str

    @property
    def scores(self) -> Dict[str, float]:
        """The Autolab scores line, which must be the very last line of output."""
        last = self.stdout.strip().splitlines()[-1]
        return json.loads(last)["scores"]

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def lost(self) -> Dict[str, float]:
        """{part name: points lost} for the graded parts that lost anything."""
        from autograder.grader.rubric import Rubric
        full = {p.name: p.points for p in Rubric().parts}
        return {name: full[name] - got for name, got in self.scores.items() if got != full[name]}


def grade(*args: str, env: Dict[str, str] | None = None, timeout: float = 600) -> Graded:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    done = subprocess.run([str(GRADE_SH), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)
    return Graded(done.returncode, done.stdout, done.stderr)


@dataclass
class Bug:
    """A deliberate bug: exact-text patches of the solution, the parts graded, what it costs.

    ``says`` lists phrases the feedback must contain (a tuple inside it: any one of them).
    """
    id: str
    patches: List[Tuple[str, str, str]]          # (file, old text, new text)
    parts: Tuple[str, ...]
    lost: Dict[str, float]
    says: Tuple = ()
    env: Optional[Dict[str, str]] = None
    slow: bool = False                            # graded in the slow tier only


def bug_params(bugs: List[Bug]) -> list:
    """pytest parameters for ``bugs``, named by id, the slow ones marked slow."""
    return [pytest.param(bug, id=bug.id, marks=[pytest.mark.slow] if bug.slow else [])
            for bug in bugs]


def check_bug(bug: Bug, target: Path) -> Graded:
    """Plant ``bug`` in ``target`` (a solution copy), grade, and check what it cost."""
    for file, old, new in bug.patches:
        replace_once(target / file, old, new)
    graded = grade("--target", str(target), *bug.parts, env=bug.env)
    assert graded.returncode == 0, graded.stderr
    assert graded.lost == bug.lost, graded.stdout
    for phrase in bug.says:
        options = phrase if isinstance(phrase, tuple) else (phrase,)
        assert any(option in graded.stdout for option in options), (phrase, graded.stdout)
    assert "Traceback" not in graded.stdout + graded.stderr
    return graded


@pytest.fixture
def solution_copy(tmp_path: Path) -> Path:
    """A scratch copy of the reference solution to break on purpose."""
    target = tmp_path / "target"
    shutil.copytree(SOLUTION, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target



def _forget_reference() -> None:
    for name in [m for m in sys.modules if m.split(".")[0] in ("mytorch", "hw1")]:
        del sys.modules[name]


@pytest.fixture
def reference_mytorch(monkeypatch):
    """The reference package solution/mytorch (and solution/hw1), imported fresh into this
    process (default dtype float32), and forgotten afterwards."""
    monkeypatch.syspath_prepend(str(SOLUTION))
    _forget_reference()
    import mytorch
    yield mytorch
    _forget_reference()


def pyenv_python(version: str) -> Optional[str]:
    """The real pythonX.Y executable (not a pyenv shim) from PATH or pyenv, if there is one."""
    candidates = [shutil.which(f"python{version}")]
    if shutil.which("pyenv"):
        listed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True)
        candidates += [subprocess.run(["pyenv", "which", f"python{version}"], text=True,
                                      capture_output=True,
                                      env={**os.environ, "PYENV_VERSION": installed}).stdout.strip()
                       for installed in listed.stdout.split() if installed.startswith(version + ".")]
    for candidate in filter(None, candidates):
        real = os.path.realpath(candidate)
        if "shims" not in Path(real).parts and subprocess.run(
                [real, "-c", "pass"], capture_output=True).returncode == 0:
            return real
    return None


@pytest.fixture(scope="session")
def catalogue_outcomes():
    """The whole catalogue (tests/mutants/) graded once per session, two grading runs at a
    time: {entry id: kit.quality.grading.Outcome}."""
    from kit.quality import catalogue, grading
    return {o.entry.id: o for o in grading.run(catalogue.load("mutant") + catalogue.load("variant"))}
