"""Helpers for the kit's own tests: run ./grade.sh and read what it printed.

Repository paths come from kit.paths; deliberate bugs are planted with kit.textpatch.replace_once.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from kit.paths import GRADE_SH, SOLUTION


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


@pytest.fixture
def solution_copy(tmp_path: Path) -> Path:
    """A scratch copy of the reference solution to break on purpose."""
    target = tmp_path / "target"
    shutil.copytree(SOLUTION, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target

