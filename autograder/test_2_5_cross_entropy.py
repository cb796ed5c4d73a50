"""Part 2.5: cross_entropy (log-softmax with the log-sum-exp shift, mean NLL)."""
import numpy as np
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_expression, check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.cross_entropy


def check_cross_entropy(student, logits, target, hint):
    got = student.run("integer_target_cross_entropy", logits=logits, target=target)
    x = reference.tensor(logits, True)
    loss = torch.nn.functional.cross_entropy(x, torch.tensor(target, dtype=torch.long))
    loss.backward()
    what = f"cross_entropy(predicted {logits.shape}, target {target.shape})"
    context = context_of(predicted=logits, target=target)
    if hint == HINTS["log_sum_exp"] and np.all(np.isfinite(got["out"])):
        hint = HINTS["log_of_underflow"]     # no overflow: the shift is there
    check_close(got["out"], reference.numpy(loss), what=f"{what}: loss value", context=context,
                hint=hint)
    check_equal(np.shape(got["out"]), (), what=f"{what}: the loss must be a 0-d tensor",
                context=context, hint=HINTS["cross_entropy"])
    check_output_flags(got["out_flags"], True, what=what, context=context)
    check_grad(got, reference.numpy(x.grad), what=f"{what}: gradient of predicted",
               context=context, hint=hint)
    check_equal(got["target"]["grad"] is None, True, context=context,
                what=f"{what}: the target is a constant and must get no gradient")


@pytest.mark.check("values")
@pytest.mark.parametrize("batch,classes", [(4, 3), (10, 10), (1, 5), (32, 7)])
def test_cross_entropy(student, rng, batch, classes):
    logits = rng.normal(size=(batch, classes)) * 2
    target = rng.integers(0, classes, size=batch)
    check_cross_entropy(student, logits, target, HINTS["cross_entropy"])


@pytest.mark.check("stability")
@pytest.mark.parametrize("scale", [1e3, 1e5])
def test_large_logits(student, rng, scale):
    logits = rng.normal(size=(6, 4)) * scale
    target = rng.integers(0, 4, size=6)
    check_cross_entropy(student, logits, target, HINTS["log_sum_exp"])


@pytest.mark.check("exp")
def test_exp(student, rng):
    check_expression(student, "exp", {"a": rng.normal(size=(3, 4))}, [True], what="Exp (a.exp())",
                     upstream=rng.normal(size=(3, 4)))


@pytest.mark.check("values")
def test_cross_entropy_inside_a_graph(student, rng):
    """With an upstream gradient other than 1: backward must multiply by grad_output."""
    logits, target = rng.normal(size=(5, 4)) * 2, rng.integers(0, 4, size=5)   # integer labels
    check_expression(student, "cross_entropy", {"predicted": logits, "target": target},
                     [True, False], upstream=np.array(rng.uniform(0.5, 2.0)),
                     what="cross_entropy(predicted, target) seeded with an upstream gradient",
                     grad_hint=HINTS["grad_output"])
