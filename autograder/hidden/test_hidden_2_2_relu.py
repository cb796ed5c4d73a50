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
