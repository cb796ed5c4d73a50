"""Part 4.1: Adam, several steps against torch.optim.Adam."""
import pytest

from autograder.grader.optimizer_checks import check_optimizer

pytestmark = pytest.mark.adam


@pytest.mark.check("adam")
@pytest.mark.parametrize("lr,betas,eps", [(0.001, (0.9, 0.999), 1e-8), (0.1, (0.9, 0.999), 1e-8),
                                          (0.05, (0.5, 0.9), 1e-6), (0.01, (0.0, 0.99), 1e-8)])
def test_adam(student, rng, lr, betas, eps):
    check_optimizer(student, rng, "adam", {"lr": lr, "betas": betas, "eps": eps})


@pytest.mark.check("adam")
def test_adam_with_gradients_near_eps(student, rng):
    """Gradients of size 1e-6: sqrt(v_hat) is then close to eps, so where eps goes matters."""
    check_optimizer(student, rng, "adam", {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8},
                    grad_scale=1e-6)
