"""Hidden cases for Part 2.2: larger and higher-rank inputs."""
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS
from autograder.test_2_2_relu import _away_from_zero

pytestmark = pytest.mark.relu


@pytest.mark.check("relu")
@pytest.mark.parametrize("shape", [(1,), (64, 33), (2, 2, 2, 3)], ids=str)
def test_relu_hidden(student, rng, shape):
    check_expression(student, "relu", {"x": _away_from_zero(rng, shape)}, [True],
                     what="ReLU()(x)", upstream=rng.normal(size=shape), grad_hint=HINTS["relu"])


@pytest.mark.check("relu")
def test_relu_of_a_sum_hidden(student, rng):
    a, b = _away_from_zero(rng, (5, 4)), rng.normal(size=(4,)) * 0.01
    check_expression(student, "relu_of_sum", {"a": a, "b": b}, [True, True],
                     what="ReLU()(a + b)", grad_hint=HINTS["relu"])
