"""Part 2.1: Linear, MatMul (the Function behind a @ b, its own check: a Linear written as one
fused Function does not use it) and Sequential."""
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_expression, check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.linear


def torch_linear(weight, bias, x, upstream, x_requires_grad=True, twice=False):
    w, b = reference.tensor(weight, True), reference.tensor(bias, True)
    tx = reference.tensor(x, x_requires_grad)
    out = torch.nn.functional.linear(tx, w, b)
    if twice:
        out = torch.nn.functional.linear(out, w, b)
    out.backward(reference.tensor(upstream))
    return {"out": reference.numpy(out), "weight": reference.numpy(w.grad),
            "bias": reference.numpy(b.grad), "x": reference.numpy(tx.grad)}


def check_linear(student, rng, batch, n_in, n_out, x_requires_grad=True, twice=False):
    weight, bias = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    x, upstream = rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))
    got = student.run("linear", weight=weight, bias=bias, x=x, upstream=upstream,
                      x_requires_grad=x_requires_grad, twice=twice)
    expected = torch_linear(weight, bias, x, upstream, x_requires_grad, twice)
    context = context_of(x=x, weight=weight, bias=bias)
    if not x_requires_grad:
        context += "; x is a constant (requires_grad=False)"
    what = f"Linear({n_in}, {n_out})" + ("(Linear(...)(x)): the same layer twice" if twice else "")

    init = got["initial"]
    check_equal(tuple(init["weight_shape"]), (n_out, n_in), what=f"{what}.weight shape",
                context="a new layer", hint=HINTS["linear"])
    check_equal(tuple(init["bias_shape"]), (n_out,), what=f"{what}.bias shape", context="a new layer")
    check_equal(init["weight_is_parameter"] and init["weight_flags"]["requires_grad"], True,
                what=f"{what}.weight must be a parameter that requires grad", context="a new layer")
    check_equal(init["n_parameters"], 2, what=f"{what}.parameters() count", context="a new layer")

    linear_mistake = n_in == n_out and not twice
    check_close(got["out"], expected["out"], what=f"{what} forward (x @ W.T + b)", context=context,
                hint=HINTS["linear"],
                mistakes={HINTS["linear_transposed"]: x @ weight + bias} if linear_mistake else None)
    check_output_flags(got["out_flags"], True, what=f"{what} forward", context=context)
    check_grad(got["x"], expected["x"], what=f"{what}: gradient of x", context=context)
    check_grad(got["weight"], expected["weight"], what=f"{what}: gradient of weight",
               context=context, hint=HINTS["linear"] if not twice else HINTS["accumulate"])
    check_grad(got["bias"], expected["bias"], what=f"{what}: gradient of bias", context=context,
               hint=HINTS["unbroadcast"] if not twice else HINTS["accumulate"])


@pytest.mark.check("linear")
# The square layer comes first: there a transposed weight gives values, not a shape error,
# and the feedback can name the mistake.
@pytest.mark.parametrize("batch,n_in,n_out", [(5, 3, 3), (4, 3, 2), (1, 5, 7), (16, 20, 10),
                                              (3, 1, 1)])
def test_linear(student, rng, batch, n_in, n_out):
    check_linear(student, rng, batch, n_in, n_out)


@pytest.mark.check("linear")
@pytest.mark.parametrize("batch,n_in,n_out", [(4, 3, 3), (6, 5, 2)])
def test_linear_constant_input(student, rng, batch, n_in, n_out):
    """x does not require grad (the first layer of a network): the weight and the bias still
    get their own gradients, and x gets none."""
    check_linear(student, rng, batch, n_in, n_out, x_requires_grad=False)


@pytest.mark.check("linear")
@pytest.mark.parametrize("x_requires_grad", [True, False], ids=["x_grad", "x_constant"])
def test_linear_layer_used_twice(student, rng, x_requires_grad):
    """layer(layer(x)): each parameter is used twice, its two gradients add up."""
    check_linear(student, rng, 5, 4, 4, x_requires_grad=x_requires_grad, twice=True)


@pytest.mark.check("matmul")
@pytest.mark.parametrize("shapes", [((4, 3), (3, 5)), ((3, 3), (3, 3)), ((1, 2), (2, 1))], ids=str)
def test_matmul(student, rng, shapes):
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    check_expression(student, "matmul", {"a": a, "b": b}, [True, True],
                     upstream=rng.normal(size=(shapes[0][0], shapes[1][1])), what="MatMul (a @ b)",
                     grad_hint="d(a @ b)/da = g @ b.T and d(a @ b)/db = a.T @ g.")


@pytest.mark.check("sequential")
@pytest.mark.parametrize("sizes", [(5, 4, 3), (6, 8, 8, 2)], ids=str)
def test_sequential(student, rng, sizes):
    batch = 7
    weights = [rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=o) for o in sizes[1:]]
    x, upstream = rng.normal(size=(batch, sizes[0])), rng.normal(size=(batch, sizes[-1]))
    got = student.run("sequential", weights=weights, biases=biases, x=x, upstream=upstream)

    tx = reference.tensor(x, True)
    params = [(reference.tensor(w, True), reference.tensor(b, True)) for w, b in zip(weights, biases)]
    out = tx
    for k, (w, b) in enumerate(params):
        out = torch.nn.functional.linear(out, w, b)
        if k < len(params) - 1:
            out = torch.relu(out)
    out.backward(reference.tensor(upstream))

    what = "Sequential(" + ", ReLU, ".join(f"Linear({i}, {o})" for i, o in zip(sizes[:-1], sizes[1:])) + ")"
    context = context_of(x=x)
    check_close(got["out"], reference.numpy(out), what=f"{what} forward", context=context,
                hint=HINTS["sequential"])
    check_equal(got["n_parameters"], 2 * len(weights), what=f"{what}.parameters() count",
                context=context)
    for k, (w, b) in enumerate(params):
        check_grad(got["weights"][k], reference.numpy(w.grad), what=f"{what}: layer {k} weight gradient",
                   context=context)
        check_grad(got["biases"][k], reference.numpy(b.grad), what=f"{what}: layer {k} bias gradient",
                   context=context)
    check_grad(got["x"], reference.numpy(tx.grad), what=f"{what}: gradient of x", context=context)

