"""Part 5.3 (extension track): Dropout, graded by the mask it reports and by statistics.

A random mask cannot match PyTorch's bit for bit, so the layer reports the mask it used
(``Dropout.mask``) and the checks compare, exactly, what PyTorch's dropout gives with that
mask: out = x * mask / (1 - p), dL/dx = upstream * mask / (1 - p). The masks themselves
must keep 1 - p of the entries (a binomial test, TOLERANCE_SIGMAS standard deviations wide:
a correct layer fails it about once in 1.7 million) and be drawn afresh for each call.
"""
import numpy as np
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, fail
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.dropout

SHAPE = (100, 400)           # 40,000 entries per mask
CALLS = 2
TOLERANCE_SIGMAS = 5.0


def _run(student, rng, p, backward=True):
    x, upstream = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
    got = student.run("dropout", x=x, p=p, upstream=upstream, calls=CALLS, backward=backward)
    return x, upstream, got


def _kept(mask, p: float, context: str) -> np.ndarray:
    """The entries a reported mask keeps (0/1, booleans, or already scaled by 1 / (1 - p))."""
    what = f"Dropout({p}): the mask it reports (self.mask)"
    if mask is None:
        fail(what, "self.mask is None after a call in training mode", context,
             HINTS["dropout_mask"])
    check_equal(np.shape(mask), SHAPE, what=f"{what}: shape", context=context,
                hint=HINTS["dropout_mask"])
    return np.asarray(mask) != 0


# Not p = 0: PyTorch then returns x itself (a leaf, no mask), and so may a student's layer.
@pytest.mark.check("train")
@pytest.mark.parametrize("p", [0.3, 0.8])
def test_dropout_train(student, rng, p):
    x, upstream, got = _run(student, rng, p)
    what = f"Dropout({p}) in training mode"
    context = f"x of shape {SHAPE}, {CALLS} calls, each followed by backward"
    masks = []
    for call, report in enumerate(got["train"], start=1):
        keep = _kept(report["mask"], p, context)
        masks.append(keep)
        # PyTorch's dropout with this mask, in float64.
        expected = reference.numpy(reference.tensor(x) * reference.tensor(keep) / (1 - p))
        check_close(report["out"], expected, what=f"{what}, call {call}: output", context=context,
                    hint=HINTS["dropout_scale"],
                    mistakes={HINTS["dropout_scale"]: x * keep})
        check_output_flags(report["out_flags"], True, what=what, context=context)
        check_grad(report["x"], upstream * keep / (1 - p), what=f"{what}, call {call}: "
                   "gradient of x", context=context, hint=HINTS["dropout_scale"],
                   mistakes={HINTS["dropout_scale"]: upstream * keep})
    kept = np.mean(masks)
    sigma = np.sqrt(p * (1 - p) / (len(masks) * masks[0].size))
    if abs(kept - (1 - p)) > TOLERANCE_SIGMAS * sigma:
        fail(f"{what}: the fraction of entries kept", f"expected {1 - p:g} (within "
             f"{TOLERANCE_SIGMAS * sigma:.2g}), got {kept:.4f}", context,
             HINTS["dropout_mask"])
    if np.array_equal(masks[0], masks[1]):
        fail(f"{what}: the masks of two calls", "are the same", context, HINTS["dropout_mask"])


@pytest.mark.check("eval")
@pytest.mark.parametrize("p", [0.3, 0.8])
def test_dropout_eval(student, rng, p):
    x, _, got = _run(student, rng, p, backward=False)      # a forward check runs no backward
    layer = torch.nn.Dropout(p)
    layer.eval()
    expected = reference.numpy(layer(reference.tensor(x)))
    context = f"x of shape {SHAPE}, after {CALLS} forward calls in training mode"
    check_close(got["eval"]["out"], expected, what=f"Dropout({p}) after eval(): output",
                context=context, hint=HINTS["dropout_eval"],
                mistakes={HINTS["dropout_eval"]: x / (1 - p)})
    check_equal(got["eval"]["is_train"], False, what=f"Dropout({p}).eval(): is_train",
                context=context, hint=HINTS["dropout_eval"])
