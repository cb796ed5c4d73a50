"""Correct implementations in other conventions get full marks (tests/compat/README.md).

Each tree in tests/compat/ is graded with ./grade.sh on every part. A convention may cost
only Part 1.2's small constant_grad_fn check (grad_fn set on outputs of constants).
"""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import grade
from kit.paths import ROOT

COMPAT = ROOT / "tests" / "compat"
# Files the implementations share live once in common/; each implementation's own files
# (its engine, Tensor, Functions, optimizers, ...) are laid over them.
COMMON = COMPAT / "common"


def implementation(name: str, where) -> str:
    """The complete tree of implementation ``name``, assembled in ``where``; its path."""
    tree = where / name
    shutil.copytree(COMMON, tree)
    shutil.copytree(COMPAT / name, tree, dirs_exist_ok=True)
    return str(tree)
# implementation -> the checks its conventions may fail ("part: check" as in --json output)
ALLOWED_FAILURES = {
    "classic": {"1.2 Autograd engine: constant_grad_fn"},
    "fused": set(),
    "arrays": {"1.2 Autograd engine: constant_grad_fn"},
    "keywords": {"1.2 Autograd engine: constant_grad_fn"},
    # ReLU'(0) = 1 and a Conv2d without padding (the original course's had none)
    "buffers": {"2.2 ReLU: at_zero", "4.2 Conv2d and Flatten: padding"},
}


def failed_checks(results_json) -> set:
    tests = json.loads(results_json.read_text())["tests"]
    return {t["name"] for t in tests if t["score"] < t["max_score"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ALLOWED_FAILURES))
def test_correct_implementation_in_other_conventions_gets_full_marks(name, tmp_path):
    results = tmp_path / "results.json"
    graded = grade("--target", implementation(name, tmp_path), "--json", str(results),
                   timeout=900)
    assert "Traceback" not in graded.stdout + graded.stderr
    failed = failed_checks(results)
    assert failed == ALLOWED_FAILURES[name], graded.stdout


def test_an_engine_called_with_keywords_that_accumulates_with_plus_equals(tmp_path):
    """keywords/: Tensor.backward calls backward(grad_fn=..., grad_of_outputs=...), whose
    Functions read grad_output.data.T; .grad accumulates with += (so it carries a grad_fn);
    AccumulateGrad lives in mytorch/graph.py; BatchNorm keeps (1, F) statistics."""
    results = tmp_path / "results.json"
    graded = grade("--target", implementation("keywords", tmp_path), "1.1", "1.2", "2.1", "2.4",
                   "--json", str(results))
    assert "Traceback" not in graded.stdout + graded.stderr
    assert failed_checks(results) == ALLOWED_FAILURES["keywords"], graded.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["classic", "arrays"])
def test_one_part_alone_grades_like_the_full_run(name, tmp_path):
    """Circular imports between tensor.py and autograd_engine.py: the probes import mytorch
    as a user does, so Part 1.2 graded alone gets what it gets in the full run."""
    results = tmp_path / "results.json"
    graded = grade("--target", implementation(name, tmp_path), "1.2", "--json", str(results))
    assert failed_checks(results) == ALLOWED_FAILURES[name], graded.stdout


def test_every_implementation_is_complete(tmp_path):
    for name in ALLOWED_FAILURES:
        implementation(name, tmp_path)
        for file in ["mytorch/tensor.py", "mytorch/autograd_engine.py", "mytorch/nn/functional.py",
                     "mytorch/nn/linear.py", "mytorch/nn/batchnorm.py", "mytorch/nn/conv.py",
                     "mytorch/optim/sgd.py", "mytorch/optim/adam.py", "hw1/mnist.py"]:
            assert (tmp_path / name / file).is_file(), f"{name}/{file} missing"
