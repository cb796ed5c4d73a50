"""Part 5.5 (extension track): weight decay (SGD and Adam: PyTorch's coupled L2 form; AdamW:
the decoupled form) against torch.optim, and the L1 penalty as a graph expression.

weight_decay lives in SGD.step and Adam.step (Parts 2.3 and 4.1): these checks pass it and
compare the trajectory; a step that raises is reported as that part's (blocked_by).
"""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS
from autograder.grader.optimizer_checks import check_optimizer

pytestmark = pytest.mark.regularisation

# Adam and AdamW, the same settings: their trajectories differ only in where the decay goes.
ADAM_OPTIONS = [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1},
                {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": 0.5}]


@pytest.mark.check("sgd")
@pytest.mark.parametrize("options", [{"lr": 0.1, "weight_decay": 0.1},
                                     {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}], ids=str)
def test_sgd_weight_decay(student, rng, options):
    check_optimizer(student, rng, "sgd", options)


@pytest.mark.check("adam")
@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
def test_adam_weight_decay(student, rng, options):
    check_optimizer(student, rng, "adam", options)


@pytest.mark.check("adamw")
@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
def test_adamw(student, rng, options):
    check_optimizer(student, rng, "adamw", options)


@pytest.mark.check("l1")
def test_l1_penalty(student, rng):
    """0.01 * (sum |a| + sum |b|), with some entries exactly 0 (sign 0 there, as PyTorch)."""
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(3,))
    a[0, :2] = 0.0
    upstream = np.array(rng.uniform(0.5, 2.0))
    mistakes = {"a": {HINTS["l1"]: upstream * 0.01 * np.ones_like(a)}}
    check_expression(student, "l1_penalty", {"a": a, "b": b}, [True, True], upstream=upstream,
                     what="l1_penalty([a, b], 0.01) seeded with an upstream gradient",
                     hint=HINTS["l1"], grad_hint=HINTS["l1"], mistakes=mistakes)
