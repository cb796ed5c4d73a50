"""Part 5.6 (extension track): LayerNorm, MaxPool2d and AvgPool2d against torch.nn, float64.

The layers are called as a user calls them and backpropagated with a random upstream
gradient; outputs and the gradients of x, weight and bias are compared with PyTorch's.
"""
import numpy as np
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import layer_norm_mistakes, max_pool_grad_mistakes

pytestmark = pytest.mark.layernorm_pool

# (x shape, normalized_shape as the constructor gets it, eps, affine): an int and tuples of
# one to three axes, a larger eps, and no affine transform.
LAYER_NORM_CASES = [((6, 5), 5, 1e-5, True), ((4, 3, 8), (8,), 1e-5, True),
                    ((2, 3, 4, 5), (4, 5), 1e-3, True), ((3, 2, 3, 4), (2, 3, 4), 1e-5, True),
                    ((5, 7), 7, 1e-5, False)]
# (x shape, kernel_size, stride or None for the default): windows that tile, overlap (stride
# < kernel) and leave rows or columns over ((H - k) % s != 0).
POOL_CASES = [((2, 3, 6, 6), 2, None), ((3, 1, 5, 7), 2, None), ((2, 2, 7, 9), 3, 1),
              ((1, 3, 9, 8), 3, 2), ((2, 2, 8, 8), 4, 2)]


def _layer_norm_id(case) -> str:
    shape, normalized, eps, affine = case
    return f"x{'x'.join(map(str, shape))}_norm{normalized}_eps{eps:g}" + ("" if affine else "_plain")


def _pool_id(case) -> str:
    shape, k, s = case
    return f"x{'x'.join(map(str, shape))}_k{k}_s{s}"


def layer_norm_case(student, rng, case, backward: bool):
    """The student's and PyTorch's results for one case; ``backward=False`` runs the forward
    only."""
    shape, normalized, eps, affine = case
    axes = (normalized,) if isinstance(normalized, int) else normalized
    # Entries of different scales and offsets along the normalised axes.
    x = rng.normal(size=shape) * rng.uniform(0.5, 3.0, size=axes) + rng.normal(size=axes) * 2
    weight, bias = (rng.uniform(0.5, 1.5, size=axes), rng.normal(size=axes)) if affine else (None, None)
    upstream = rng.normal(size=shape)
    got = student.run("layer_norm", x=x, normalized_shape=normalized, eps=eps, weight=weight,
                      bias=bias, upstream=upstream if backward else None, backward=backward)

    layer = torch.nn.LayerNorm(normalized, eps=eps, elementwise_affine=affine, dtype=torch.float64)
    if affine:
        with torch.no_grad():
            layer.weight.copy_(reference.tensor(weight))
            layer.bias.copy_(reference.tensor(bias))
    tx = reference.tensor(x, True)
    out = layer(tx)
    out.backward(reference.tensor(upstream))
    expected = {"out": reference.numpy(out), "x": reference.numpy(tx.grad)}
    if affine:
        expected.update(weight=reference.numpy(layer.weight.grad),
                        bias=reference.numpy(layer.bias.grad))
    what = f"LayerNorm({normalized!r}, eps={eps:g}{'' if affine else ', elementwise_affine=False'})"
    context = context_of(x=x)
    mistakes = layer_norm_mistakes(x, len(axes), eps, weight, bias)
    return got, expected, what, context, mistakes


@pytest.mark.check("layer_norm")
@pytest.mark.parametrize("case", LAYER_NORM_CASES, ids=_layer_norm_id)
def test_layer_norm_forward(student, rng, case):
    got, expected, what, context, mistakes = layer_norm_case(student, rng, case, backward=False)
    init, axes = got["initial"], expected["out"].shape[-len(np.atleast_1d(case[1])):]
    affine = "weight" in expected
    check_equal(init["n_parameters"], 2 if affine else 0, what=f"{what}: parameters() count of "
                "a new layer", context=context, hint=HINTS["layer_norm"])
    if affine:
        check_close(init["weight"], np.ones(axes), what=f"{what}.weight of a new layer",
                    context=context, hint=HINTS["layer_norm"])
        check_close(init["bias"], np.zeros(axes), what=f"{what}.bias of a new layer",
                    context=context, hint=HINTS["layer_norm"])
    check_close(got["out"], expected["out"], what=f"{what} forward", context=context,
                hint=HINTS["layer_norm"], mistakes=mistakes)
    check_output_flags(got["out_flags"], True, what=what, context=context)


@pytest.mark.check("layer_norm_grad")
@pytest.mark.parametrize("case", LAYER_NORM_CASES, ids=_layer_norm_id)
def test_layer_norm_backward(student, rng, case):
    got, expected, what, context, _ = layer_norm_case(student, rng, case, backward=True)
    context += "; backward seeded with a random upstream gradient"
    for name in ("x", "weight", "bias"):
        if name in expected:
            check_grad(got[name], expected[name], what=f"{what}: gradient of {name}",
                       context=context, hint=HINTS["layer_norm_grad"])


def pool_case(student, kind: str, x: np.ndarray, case, rng):
    """The student's and PyTorch's output and input gradient for one pooling case."""
    shape, k, s = case
    functional = {"MaxPool2d": torch.nn.functional.max_pool2d,
                  "AvgPool2d": torch.nn.functional.avg_pool2d}[kind]
    tx = reference.tensor(x, True)
    out = functional(tx, k, s)
    upstream = rng.normal(size=tuple(out.shape))
    out.backward(reference.tensor(upstream))
    got = student.run("pool", kind=kind, x=x, kernel_size=k, stride=s, upstream=upstream)
    what = f"{kind}({k}{'' if s is None else f', stride={s}'})"
    context = context_of(x=x) + f"; output {tuple(out.shape)}"
    check_close(got["out"], reference.numpy(out), what=f"{what} forward", context=context,
                hint=HINTS["max_pool" if kind == "MaxPool2d" else "avg_pool"])
    check_output_flags(got["out_flags"], True, what=what, context=context)
    return got, reference.numpy(tx.grad), upstream, what, context


@pytest.mark.check("max_pool")
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_id)
def test_max_pool(student, rng, case, ties):
    """Distinct values, and small integers (ties within a window, and maxima shared by
    overlapping windows)."""
    shape, k, s = case
    x = rng.integers(0, 3, size=shape).astype(np.float64) if ties else rng.normal(size=shape)
    got, expected, upstream, what, context = pool_case(student, "MaxPool2d", x, case, rng)
    if ties:
        context += "; x of small integers: ties within windows"
    check_grad(got["x"], expected, what=f"{what}: gradient of x",
               context=context + "; backward seeded with a random upstream gradient",
               hint=HINTS["max_pool"],
               mistakes=max_pool_grad_mistakes(x, k, k if s is None else s, upstream))


@pytest.mark.check("avg_pool")
@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_id)
def test_avg_pool(student, rng, case):
    x = rng.normal(size=case[0])
    got, expected, _, what, context = pool_case(student, "AvgPool2d", x, case, rng)
    check_grad(got["x"], expected, what=f"{what}: gradient of x",
               context=context + "; backward seeded with a random upstream gradient",
               hint=HINTS["avg_pool"])
