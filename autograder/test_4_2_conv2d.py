"""Part 4.2: Conv2d forward and backward, and Flatten, against torch.nn.functional.conv2d."""
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_grad, check_output_flags
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import conv2d_mistakes

pytestmark = pytest.mark.conv2d

# (N, C, H, W, out_channels, kernel, stride, padding): square and non-square inputs, one and
# several channels, strides that do and do not divide the (padded) size, kernels of 1 to 5.
# The forward and backward checks use no padding; zero padding is a check of its own, so
# that a Conv2d without it (the original course's had none) loses that check alone.
CASES = [(2, 1, 5, 5, 1, 3, 1, 0), (3, 2, 8, 6, 5, 3, 2, 0), (4, 2, 6, 6, 3, 1, 1, 0),
         (1, 3, 9, 7, 2, 2, 3, 0), (2, 4, 9, 11, 3, 5, 2, 0)]
PADDED = [(2, 3, 7, 9, 4, 3, 1, 1), (1, 4, 9, 11, 3, 5, 2, 2), (2, 3, 10, 7, 2, 2, 3, 1),
          (1, 3, 12, 8, 6, 4, 2, 1)]


def case_id(case) -> str:
    n, c, h, w, o, k, s, p = case
    return f"x{n}x{c}x{h}x{w}_out{o}_k{k}_s{s}_p{p}"


def conv_case(student, rng, case, backward: bool, x_requires_grad: bool = True):
    """The student's and PyTorch's results for one case; ``backward=False`` runs the forward
    only, so that the forward check never depends on Conv2d's backward."""
    n, c, h, w, o, k, s, p = case
    x, weight, bias = rng.normal(size=(n, c, h, w)), rng.normal(size=(o, c, k, k)), rng.normal(size=o)
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    upstream = rng.normal(size=(n, o, ho, wo))
    got = student.run("conv2d", x=x, weight=weight, bias=bias, stride=s, padding=p,
                      upstream=upstream if backward else None, x_requires_grad=x_requires_grad,
                      backward=backward)

    tx = reference.tensor(x, x_requires_grad)
    tw, tb = reference.tensor(weight, True), reference.tensor(bias, True)
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p)
    out.backward(reference.tensor(upstream))
    expected = {"out": reference.numpy(out), "x": reference.numpy(tx.grad),
                "weight": reference.numpy(tw.grad), "bias": reference.numpy(tb.grad)}
    what = f"Conv2d({c}, {o}, kernel_size={k}, stride={s}, padding={p})"
    context = context_of(x=x, weight=weight) + f"; output (N, O, Ho, Wo) = {(n, o, ho, wo)}"
    if not x_requires_grad:
        context += "; x is a constant (requires_grad=False)"
    return got, expected, what, context, conv2d_mistakes(x, weight, bias, s, p, upstream)


@pytest.mark.check("forward")
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward(student, rng, case):
    got, expected, what, context, mistakes = conv_case(student, rng, case, backward=False)
    init = got["initial"]
    weight_shape = tuple(expected["weight"].shape)
    check_equal(tuple(init["weight_shape"]), weight_shape, what=f"{what}.weight shape of a new "
                "layer", context=context, hint=HINTS["conv2d_shapes"])
    check_equal((tuple(init["bias_shape"]), init["n_parameters"]), ((weight_shape[0],), 2),
                what=f"{what}: bias shape and parameters() count of a new layer", context=context)
    check_close(got["out"], expected["out"], what=f"{what} forward", context=context,
                hint=HINTS["conv2d_forward"], mistakes=mistakes["out"])
    check_output_flags(got["out_flags"], True, what=what, context=context)


@pytest.mark.check("backward")
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward(student, rng, case):
    check_conv_backward(*conv_case(student, rng, case, backward=True))


@pytest.mark.check("backward")
@pytest.mark.parametrize("case", CASES[1:3], ids=case_id)
def test_backward_constant_input(student, rng, case):
    """x does not require grad (a first layer): weight and bias still get their gradients."""
    check_conv_backward(*conv_case(student, rng, case, backward=True, x_requires_grad=False))


@pytest.mark.check("padding")
@pytest.mark.parametrize("case", PADDED, ids=case_id)
def test_padding(student, rng, case):
    """Zero padding: forward, then backward (the padding cropped off the input's gradient)."""
    test_forward(student, rng, case)
    check_conv_backward(*conv_case(student, rng, case, backward=True))


def check_conv_backward(got, expected, what, context, mistakes):
    context += "; backward seeded with a random upstream gradient"
    check_grad(got["x"], expected["x"], what=f"{what}: gradient of x", context=context,
               hint=HINTS["conv2d_input_grad"], mistakes=mistakes["x"])
    check_grad(got["weight"], expected["weight"], what=f"{what}: gradient of weight",
               context=context, hint=HINTS["conv2d_weight_grad"], mistakes=mistakes["weight"])
    check_grad(got["bias"], expected["bias"], what=f"{what}: gradient of bias", context=context,
               hint=HINTS["conv2d_bias_grad"], mistakes=mistakes["bias"])


@pytest.mark.check("flatten")
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 6), (3, 2, 7)])
def test_flatten(student, rng, shape):
    x = rng.normal(size=shape)
    upstream = rng.normal(size=(shape[0], x[0].size))
    got = student.run("flatten", x=x, upstream=upstream)
    what, context = "Flatten()", context_of(x=x)
    check_close(got["out"], x.reshape(shape[0], -1), what=f"{what} forward", context=context,
                hint=HINTS["flatten"])
    check_output_flags(got["out_flags"], True, what=what, context=context)
    check_grad(got["x"], upstream.reshape(shape), what=f"{what}: gradient of x", context=context,
               hint=HINTS["flatten"])
