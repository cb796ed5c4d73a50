"""Part 5.4 (extension track): Xavier/Glorot and Kaiming/He initialisers, by statistics.

Each initialiser fills a large weight; PyTorch's (torch.nn.init, float64) fills one of the
same shape. Compared: the spread (sample std, within STD_TOLERANCE: both samples have more
than 18,000 entries, so the ratio of two correct draws' stds has a standard deviation of at
most 0.75% and 4% is over 5 of them, while a wrong fan or gain is 11% off or more), the
mean (0 within MEAN_SIGMAS standard errors) and the shape of the distribution: a uniform
one reaches its bound and never passes it, a normal one has 8.3% of its entries beyond
sqrt(3) std (NORMAL_TAIL).
"""
import math

import numpy as np
import pytest
import torch

from autograder.grader.compare import check_equal, fail
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.initializers

STD_TOLERANCE = 0.04
MEAN_SIGMAS = 5.0
NORMAL_TAIL = (0.07, 0.097)      # P(|N(0, 1)| > sqrt 3) = 0.0833; 5 standard errors either side
BOUND_TOLERANCE = 0.01           # the largest |w| of a uniform draw reaches its bound within 1%

# Linear weights (out, in) with fan_in != fan_out, and a Conv2d weight (out, in, k, k).
SHAPES = [(128, 256), (64, 32, 3, 3)]


def check_initializer(student, rng, name: str, shape, options: dict) -> None:
    got = student.run("initializer", name=name, shape=list(shape), options=options)
    args = "".join(f", {k}={v!r}" for k, v in options.items())
    what = f"init.{name}(w{args}) on w of shape {shape}"
    check_equal(got["returned_same"], True, what=f"{what} returns w itself",
                hint=HINTS["init_in_place"])
    data = np.asarray(got["data"], dtype=np.float64)
    check_equal(data.shape, tuple(shape), what=f"{what}: shape of w afterwards",
                hint=HINTS["init_in_place"])
    check_equal((got["flags"]["requires_grad"], got["flags"]["is_leaf"]), (True, True),
                what=f"{what}: w stays a leaf that requires grad", hint=HINTS["init_in_place"])

    torch.manual_seed(int(rng.integers(2 ** 31)))        # the same reference on every run
    expected = torch.empty(shape, dtype=torch.float64)
    getattr(torch.nn.init, name)(expected, **options)
    expected = expected.numpy()
    hint = HINTS["init_fans"] + " " + HINTS["init_gain"]
    std, want = data.std(), expected.std()
    if not abs(std - want) <= STD_TOLERANCE * want:
        fail(f"{what}: standard deviation", f"expected {want:.5g} (PyTorch's draw; within "
             f"{STD_TOLERANCE:.0%}), got {std:.5g} ({std / want:.3g} times)", "",
             _ratio_hint(std / want, hint))
    if abs(data.mean()) > MEAN_SIGMAS * want / math.sqrt(data.size):
        fail(f"{what}: mean", f"expected 0 (within {MEAN_SIGMAS:g} standard errors), got "
             f"{data.mean():.3g}", "", "draw symmetric around 0")
    bound = np.abs(expected).max()
    if name.endswith("uniform_"):
        if not abs(np.abs(data).max() - bound) <= BOUND_TOLERANCE * bound:
            fail(f"{what}: the largest |w|", f"expected about {bound:.5g} (the bound), got "
                 f"{np.abs(data).max():.5g}", "", HINTS["init_uniform"])
    else:
        tail = np.mean(np.abs(data) > math.sqrt(3) * want)
        if not NORMAL_TAIL[0] <= tail <= NORMAL_TAIL[1]:
            fail(f"{what}: the fraction of |w| beyond sqrt(3) std", f"expected 0.083 (a "
                 f"normal distribution), got {tail:.3g}", "", "a normal initialiser draws "
                 "from N(0, std**2) (np.random.normal), a uniform one from U(-b, b).")


def _ratio_hint(ratio: float, hint: str) -> str:
    """Name the usual culprits when the spread is off by a telling factor."""
    for factor, name in [(math.sqrt(2), "sqrt(2): a fan (fan_in vs fan_out) or the relu gain"),
                         (math.sqrt(3), "sqrt(3): the uniform bound is sqrt(3) times the std"),
                         (3.0, "3: the kernel's receptive field (k*k) is missing from the fans")]:
        for candidate in (factor, 1 / factor):
            if abs(ratio / candidate - 1) < 0.05:
                return f"the spread is off by a factor of about {name}. {hint}"
    return hint


@pytest.mark.check("xavier")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,options", [("xavier_uniform_", {}),
                                          ("xavier_normal_", {}),
                                          ("xavier_uniform_", {"gain": 5 / 3}),
                                          ("xavier_normal_", {"gain": math.sqrt(2)})], ids=str)
def test_xavier(student, rng, shape, name, options):
    check_initializer(student, rng, name, shape, options)


@pytest.mark.check("kaiming")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,options", [
    ("kaiming_uniform_", {}),
    ("kaiming_normal_", {}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {"a": 0.5}),
    ("kaiming_uniform_", {"nonlinearity": "tanh"})], ids=str)
def test_kaiming(student, rng, shape, name, options):
    check_initializer(student, rng, name, shape, options)
