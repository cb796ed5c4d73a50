"""Part 2.3: SGD without momentum."""
import pytest

from autograder.grader.optimizer_checks import check_optimizer

pytestmark = pytest.mark.sgd


@pytest.mark.check("sgd")
@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_sgd(student, rng, lr):
    check_optimizer(student, rng, "sgd", {"lr": lr})
