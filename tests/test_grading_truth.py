"""Correct code in other styles keeps its points; real bugs lose them in their own part.

Each tree is the reference rewritten the way real student code of the original course is
written (docs/grading-principle.md lists the conventions and what each may cost); the whole
compatibility suite (tests/compat/) grades complete implementations in those styles.
"""
from __future__ import annotations

import re

import pytest

from conftest import grade
from kit.quality import catalogue
from kit.textpatch import replace_once

FUNCTIONAL = "mytorch/nn/functional.py"
MUTANTS = {entry.id: entry for entry in catalogue.load("mutant")}


def test_conventions_cost_only_their_own_small_checks(solution_copy):
    """(1, F) running statistics, a torch self-test under __main__, a Conv2d without padding
    and ReLU'(0) = 1: the part keeps every point but the convention's or feature's own check."""
    bn = solution_copy / "mytorch/nn/batchnorm.py"
    replace_once(bn, "Tensor(np.zeros(num_features, dtype))", "Tensor(np.zeros((1, num_features), dtype))")
    replace_once(bn, "Tensor(np.ones(num_features, dtype))", "Tensor(np.ones((1, num_features), dtype))")
    functional = solution_copy / FUNCTIONAL
    functional.write_text(functional.read_text() + '\n\nif __name__ == "__main__":\n'
                          "    import torch\n    print(torch.relu(torch.ones(2)))\n")
    replace_once(functional, "return (grad_output * (a.data > 0),)",
                 "return (grad_output * (a.data >= 0),)")
    conv = solution_copy / "mytorch/nn/conv.py"
    replace_once(conv, "stride: int = 1,\n                 padding: int = 0) -> None:",
                 "stride: int = 1) -> None:")
    replace_once(conv, "self.padding = padding", "self.padding = 0")
    graded = grade("--target", str(solution_copy), "2.2", "2.4", "4.2", "1.1")
    assert graded.lost == {"relu": 1.0, "conv2d": 3.0}, graded.stdout
    assert "forbidden import" not in graded.stdout
    assert "FAIL 2.2 ReLU [at_zero]" in graded.stdout and "FAIL 4.2 Conv2d and Flatten [padding]" \
        in graded.stdout


def test_an_eval_mode_crash_costs_the_eval_check_only(solution_copy):
    replace_once(solution_copy / "mytorch/nn/batchnorm.py", "        if not self.is_train:\n",
                 "        if not self.is_train:\n            raise RuntimeError('eval mode')\n")
    graded = grade("--target", str(solution_copy), "2.4")
    assert graded.lost == {"batchnorm": 3.0}, graded.stdout
    assert "FAIL 2.4 BatchNorm1d [eval]" in graded.stdout


def test_a_relu_that_overwrites_its_input_loses_relu(solution_copy):
    catalogue.apply(MUTANTS["relu-overwrites-its-input"], solution_copy)
    graded = grade("--target", str(solution_copy), "2.2")
    assert graded.lost == {"relu": 9.0}, graded.stdout
    assert "relu must leave its input as it was" in graded.stdout


def test_an_engine_that_routes_gradients_by_position_loses_1_2_and_is_named(solution_copy):
    """Gradients paired with the parents that are not None: the constant's gradient goes to a."""
    catalogue.apply(MUTANTS["engine-routes-gradients-by-position"], solution_copy)
    graded = grade("--target", str(solution_copy), "1.2")
    assert graded.lost == {"autograd": 10.0}, graded.stdout
    assert re.search(r"your engine \(backward, Part 1\.2\) handed it to the wrong input", graded.stdout)
    assert "give the i-th to next_functions[i]" in graded.stdout


def test_a_finite_wrong_loss_on_large_logits_is_not_told_to_subtract_the_maximum(solution_copy):
    """The shift is there; the bug is log(p + 1e-8), which caps the loss."""
    replace_once(solution_copy / FUNCTIONAL, "return CrossEntropyFunction.apply(predicted, target)",
                 "shift = tensor.Tensor(predicted.data.max(axis=1, keepdims=True))\n"
                 "    e = (predicted - shift).exp()\n"
                 "    p = e / e.sum(axis=1, keepdims=True)\n"
                 "    one_hot = tensor.Tensor(np.eye(predicted.shape[1])[target.data])\n"
                 "    picked = ((p + 1e-8).log() * one_hot).sum()\n"
                 "    return picked * (-1.0 / predicted.shape[0])")
    out = grade("--target", str(solution_copy), "2.5").stdout
    assert "FAIL 2.5 Cross-entropy loss [stability]" in out, out
    stability = out[out.index("[stability]"):]
    assert "never take the log of a softmax" in stability
    assert "subtract the row maximum" not in stability
    assert "constant factor" not in out
