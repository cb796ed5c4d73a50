"""The student process on Python 3.10, the oldest Python the README supports.

The worker is the code that runs with the student's interpreter: its imports, its probes and
its feedback paths (the place of an error, which backward returned a gradient of the wrong
shape) must work there. The grader's side runs here; the student process runs on a 3.10
venv with the worker's one dependency, numpy, at the pinned version.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_process import StudentProcess
from conftest import pyenv_python
from kit.paths import ROOT
from kit.textpatch import replace_once

FLOOR = "3.10"


@pytest.fixture(scope="module")
def floor_python(tmp_path_factory) -> str:
    """A Python 3.10 venv with the pinned numpy (and tomli, which 3.10 needs)."""
    python = pyenv_python(FLOOR)
    if python is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must grade on Python {FLOOR}, the supported floor; none found")
        pytest.skip(f"no Python {FLOOR} here")
    venv = tmp_path_factory.mktemp("py310") / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.startswith(("numpy==", "tomli=="))]
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *pins], check=True, capture_output=True)
    return str(venv / "bin" / "python")


def run_on(python: str, target: Path, probe: str, monkeypatch, **args):
    """``probe`` in a student process started with ``python``: unconfined, as the namespaces
    this process would set up show its own interpreter's files, not that one's."""
    monkeypatch.setattr(sys, "executable", python)
    monkeypatch.setenv("AUTOGRADER_CONFINE", "off")
    with StudentProcess(target, {"Mul.backward": "1.1"}) as student:
        return student.run(probe, timeout=60, **args)


def test_the_worker_runs_on_the_floor_python(floor_python, solution_copy, monkeypatch):
    version = run_on(floor_python, solution_copy, "expression", monkeypatch, name="mul",
                     inputs=[np.ones((3, 4)), np.full((4,), 2.0)], requires_grad=[True, True],
                     upstream=np.ones((3, 4)))
    assert np.allclose(version["out"], 2.0)


def test_a_gradient_of_the_wrong_shape_is_blamed_on_the_floor_python(floor_python, solution_copy,
                                                                     monkeypatch):
    """A missing unbroadcast: the message names Mul.backward, on 3.10 as on 3.11+."""
    replace_once(solution_copy / "mytorch/nn/functional.py",
                 "return (unbroadcast(grad_output * b.data, a.shape),\n"
                 "                unbroadcast(grad_output * a.data, b.shape))",
                 "return grad_output * b.data, grad_output * a.data")
    with pytest.raises(StudentCodeError) as raised:
        run_on(floor_python, solution_copy, "expression", monkeypatch, name="mul",
               inputs=[np.ones((3, 4)), np.ones((4,))], requires_grad=[True, True],
               upstream=np.ones((3, 4)))
    message = str(raised.value)
    assert message.startswith("Mul.backward (mytorch/nn/functional.py:"), message
    assert "Part 1.1) returned a gradient of shape (3, 4) for an input of shape (4,)" in message
    assert "stopped unexpectedly" not in message
