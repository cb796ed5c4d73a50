"""Part 2.6: SGD with momentum."""
import pytest

from autograder.grader.optimizer_checks import check_optimizer

pytestmark = pytest.mark.momentum


@pytest.mark.check("momentum")
@pytest.mark.parametrize("lr,momentum", [(0.1, 0.9), (0.05, 0.5)])
def test_momentum(student, rng, lr, momentum):
    check_optimizer(student, rng, "sgd", {"lr": lr, "momentum": momentum})
