"""Part 2.1: Linear (with MatMul) and Sequential."""
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_expression, check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.linear


def torch_linear(weight, bias, x, upstream):
    w, b, tx = reference.tensor(weight, True), reference.tensor(bias, True), reference.tensor(x, True)
    out = torch.nn.functional.linear(tx, w, b)
    out.backward(reference.tensor(upstream))
    return {"out": reference.numpy(out), "weight": reference.numpy(w.grad),
            "bias": reference.numpy(b.grad), "x": reference.numpy(tx.grad)}


@pytest.mark.check("linear")
# The square layer comes first: there a transposed weight gives values, not a shape error,
# and the feedback can name the mistake.
@pytest.mark.parametrize("batch,n_in,n_out", [(5, 3, 3), (4, 3, 2), (1, 5, 7), (16, 20, 10),
                                              (3, 1, 1)])
def test_linear(student, rng, batch, n_in, n_out):
    weight, bias = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    x, upstream = rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))
    got = student.run("linear", weight=weight, bias=bias, x=x, upstream=upstream)
    expected = torch_linear(weight, bias, x, upstream)
    context = context_of(x=x, weight=weight, bias=bias)
    what = f"Linear({n_in}, {n_out})"

    init = got["initial"]
    check_equal(tuple(init["weight_shape"]), (n_out, n_in), what=f"{what}.weight shape",
                context="a new layer", hint=HINTS["linear"])
    check_equal(tuple(init["bias_shape"]), (n_out,), what=f"{what}.bias shape", context="a new layer")
    check_equal(init["weight_is_parameter"] and init["weight_flags"]["requires_grad"], True,
                what=f"{what}.weight must be a parameter that requires grad", context="a new layer")
    check_equal(init["n_parameters"], 2, what=f"{what}.parameters() count", context="a new layer")

    check_close(got["out"], expected["out"], what=f"{what} forward (x @ W.T + b)", context=context,
                hint=HINTS["linear"],
                mistakes={HINTS["linear_transposed"]: x @ weight + bias} if n_in == n_out else None)
    check_output_flags(got["out_flags"], True, what=f"{what} forward", context=context)
    check_grad(got["x"], expected["x"], what=f"{what}: gradient of x", context=context)
    check_grad(got["weight"], expected["weight"], what=f"{what}: gradient of weight",
               context=context, hint=HINTS["linear"])
    check_grad(got["bias"], expected["bias"], what=f"{what}: gradient of bias", context=context,
               hint=HINTS["unbroadcast"])


@pytest.mark.check("linear")
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

