"""Part 5.2 (extension track): MSELoss, the mean of the squared errors."""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.mse_loss


@pytest.mark.check("mse")
@pytest.mark.parametrize("shape,target_requires_grad", [((6,), False), ((4, 3), False),
                                                        ((4, 3), True), ((2, 3, 4), True)],
                         ids=str)
def test_mse(student, rng, shape, target_requires_grad):
    predicted, target = rng.normal(size=shape), rng.normal(size=shape)
    upstream = np.array(rng.uniform(0.5, 2.0))
    difference = predicted - target
    n = difference.size
    mistakes = {"out": {HINTS["mse_sum"]: np.sum(difference ** 2)},
                "predicted": {HINTS["mse_no_two"]: upstream * difference / n,
                              HINTS["mse_sum"]: upstream * 2 * difference,
                              HINTS["chain_rule_missing"]: 2 * difference / n}}
    check_expression(student, "mse", {"predicted": predicted, "target": target},
                     [True, target_requires_grad], upstream=upstream,
                     what="MSELoss()(predicted, target) seeded with an upstream gradient",
                     hint=HINTS["mse"], grad_hint=HINTS["mse"], mistakes=mistakes)


@pytest.mark.check("mse")
def test_mse_backward(student, rng):
    """loss.backward() (a seed of ones) on the 0-d loss."""
    check_expression(student, "mse", {"predicted": rng.normal(size=(5, 2)),
                                      "target": rng.normal(size=(5, 2))}, [True, False],
                     what="MSELoss()(predicted, target).backward()", hint=HINTS["mse"],
                     grad_hint=HINTS["mse"])
