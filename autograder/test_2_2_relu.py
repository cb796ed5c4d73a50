"""Part 2.2: ReLU (functional.ReLUFunction and the nn.activations.ReLU layer)."""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.relu


def _away_from_zero(rng, shape):
    """ReLU's derivative at exactly 0 is a convention; keep inputs at least 0.01 away from it."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < 0.01, 0.5, x)


@pytest.mark.check("relu")
@pytest.mark.parametrize("shape", [(5,), (4, 6), (2, 3, 4)], ids=str)
def test_relu(student, rng, shape):
    x, upstream = _away_from_zero(rng, shape), rng.normal(size=shape)
    mistakes = {"out": {HINTS["relu_identity"]: x},
                "x": {HINTS["chain_rule_missing"]: (x > 0).astype(float),
                      HINTS["local_derivative_missing"]: upstream}}
    check_expression(student, "relu", {"x": x}, [True], what="ReLU()(x)", upstream=upstream,
                     grad_hint=HINTS["relu"], mistakes=mistakes)


@pytest.mark.check("relu")
def test_relu_constant_input(student, rng):
    check_expression(student, "relu", {"x": _away_from_zero(rng, (3, 3))}, [False],
                     what="ReLU()(x) on a constant x")


@pytest.mark.check("relu")
def test_relu_in_a_graph(student, rng):
    """a is used again after relu(a): a ReLU that overwrites its input changes the sum."""
    a, b = _away_from_zero(rng, (4, 5)), rng.normal(size=(5,))
    while np.abs(np.maximum(a, 0) + b).min() < 0.01:       # the outer relu's kink, too
        b = rng.normal(size=(5,))
    check_expression(student, "relu_twice", {"a": a, "b": b}, [True, True],
                     what="relu(relu(a) + b) + a.T.T", upstream=rng.normal(size=(4, 5)),
                     hint=HINTS["relu_in_place"], grad_hint=HINTS["relu"])


@pytest.mark.check("at_zero")
def test_relu_derivative_at_zero(student, rng):
    """At exactly 0 the derivative is a convention (any value in [0, 1] is a subgradient):
    the docstring and PyTorch say 0, and only this 1-point check asks for it."""
    x = _away_from_zero(rng, (3, 4))
    x[0, :] = 0.0
    x[:, 1] = 0.0
    check_expression(student, "relu", {"x": x}, [True], what="ReLU()(x) with some x exactly 0",
                     upstream=rng.normal(size=(3, 4)),
                     grad_hint="relu's derivative at exactly 0 is 0 (as the docstring says and "
                               "PyTorch does): use a > 0, not a >= 0.")
