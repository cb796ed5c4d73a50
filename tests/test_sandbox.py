"""sandbox.py: the student's result beside the hand-worked answer, one example at a time."""
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.grader.rubric import Rubric
from kit.paths import HANDOUT, SOLUTION
from kit.textpatch import replace_once


def sandbox(folder: Path, *parts: str) -> str:
    # PyTorch made unimportable: the sandbox must not need it.
    code = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = ['sandbox.py'] + "
            f"{list(parts)!r}; runpy.run_path('sandbox.py', run_name='__main__')")
    done = subprocess.run(["python3", "-c", code], cwd=folder, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reference_matches_every_hand_worked_answer():
    out = sandbox(SOLUTION)
    assert "DIFFERENT" not in out and "error" not in out and "not implemented" not in out
    assert out.count(" ok\n") >= 30
    for part in Rubric().parts:                   # an example for every graded part
        assert f"\nPart {part.number} " in out, part.number


def test_handout_reports_each_stub_and_goes_on():
    out = sandbox(HANDOUT)
    assert "not implemented yet: Tensor.__sub__ (Part 1.1)" in out
    assert "not implemented yet: SGD.step (Part 2.3)" in out
    assert "not implemented yet: BatchNorm1d.forward (Part 2.4)" in out


def test_a_wrong_answer_and_an_error_are_shown_where_they_happen(tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__"))
    replace_once(folder / "mytorch/nn/functional.py", "return tensor.Tensor(a.data - b.data)",
               "return tensor.Tensor(b.data - a.data)")
    replace_once(folder / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
               "param.data -= self.lr * param.grad")
    out = sandbox(folder, "1.1", "2.3")
    sub = out[out.index("Part 1.1  Sub"):out.index("Part 1.1  Mul")]
    assert "yours:    [[ 9., 18.], [ 7., 16.]]" in sub and "DIFFERENT" in sub
    assert "Part 2.2" not in out                              # only the parts asked for
    sgd = out[out.index("Part 2.3"):]
    assert "error: UFuncTypeError" in sgd and "at sgd.py:" in sgd and "in step" in sgd


def _section(out: str, title: str) -> str:
    start = out.index(title)
    end = out.find("\nPart ", start + 1)
    return out[start:end if end > 0 else len(out)]


@pytest.mark.parametrize("path,right,wrong,part,title", [
    # ReLU's derivative taken as 1 at 0 (PyTorch, and the grader, say 0).
    ("mytorch/nn/functional.py", "return (grad_output * (a.data > 0),)",
     "return (grad_output * (a.data >= 0),)", "2.2", "Part 2.2  ReLU"),
    # Adam keeping one m and v for all parameters (right for a single parameter only).
    ("mytorch/optim/adam.py", "for param, m, v in zip(self.params, self.m, self.v):",
     "for param in self.params:\n            m, v = self.m[0], self.v[0]", "4.1", "Part 4.1  Adam"),
    # SGD momentum with one velocity for all parameters.
    ("mytorch/optim/sgd.py", "for param, velocity in zip(self.params, self.velocities):",
     "for param in self.params:\n            velocity = self.velocities[0]", "2.6", "Part 2.6"),
])
def test_the_usual_mistakes_show_as_different(tmp_path, path, right, wrong, part, title):
    folder = tmp_path / "student"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__"))
    replace_once(folder / path, right, wrong)
    section = _section(sandbox(folder, part), title)
    assert "DIFFERENT" in section and "error" not in section, section
