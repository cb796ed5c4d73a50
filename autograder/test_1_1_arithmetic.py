"""Part 1.1: Sub, Mul, Div and their Tensor operators, with broadcasting."""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.compare import sum_to_shape
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.arithmetic

# (shape of a, shape of b): equal shapes, then the broadcasting cases that need unbroadcast.
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((5, 1), (1, 6)), ((4,), ())]
CASES = [(shapes, grads) for shapes in SHAPES for grads in ((True, True), (True, False))]


def _inputs(rng, shapes, nonzero_b=False):
    a = rng.normal(size=shapes[0])
    b = rng.normal(size=shapes[1])
    if nonzero_b:                                  # keep divisors away from 0
        b = np.sign(b + 1e-3) * rng.uniform(0.5, 2.0, size=shapes[1])
    return {"a": a, "b": b}, rng.normal(size=np.broadcast_shapes(*shapes))


def _mistakes(op: str, a: np.ndarray, b: np.ndarray, g: np.ndarray) -> dict:
    """The answers of the usual wrong forward/backward formulas, to name them when seen."""
    ones = np.ones_like(g)
    if op == "sub":
        return {"out": {HINTS["sub_sign"]: a + b, HINTS["swapped"]: b - a}}
    if op == "mul":
        return {"a": {HINTS["chain_rule_missing"]: sum_to_shape(ones * b, a.shape),
                      HINTS["local_derivative_missing"]: sum_to_shape(g, a.shape)},
                "b": {HINTS["chain_rule_missing"]: sum_to_shape(ones * a, b.shape),
                      HINTS["local_derivative_missing"]: sum_to_shape(g, b.shape)}}
    return {"out": {HINTS["swapped"]: b / a},
            "a": {HINTS["chain_rule_missing"]: sum_to_shape(ones / b, a.shape)},
            "b": {HINTS["div_square"]: sum_to_shape(-g * a / b, b.shape),
                  HINTS["chain_rule_missing"]: sum_to_shape(-ones * a / b ** 2, b.shape)}}


WHAT = {"sub": "Sub (a - b)", "mul": "Mul (a * b)", "div": "Div (a / b)"}


def check_operator(student, rng, op: str, shapes, grads=(True, True)) -> None:
    """``a <op> b`` on inputs of the given shapes, backward seeded with a random gradient."""
    inputs, upstream = _inputs(rng, shapes, nonzero_b=op == "div")
    check_expression(student, op, inputs, list(grads), what=WHAT[op], upstream=upstream,
                     grad_hint="" if shapes[0] == shapes[1] else HINTS["unbroadcast"],
                     mistakes=_mistakes(op, **inputs, g=upstream))


@pytest.mark.check("sub")
@pytest.mark.parametrize("shapes,grads", CASES, ids=str)
def test_sub(student, rng, shapes, grads):
    check_operator(student, rng, "sub", shapes, grads)


@pytest.mark.check("mul")
@pytest.mark.parametrize("shapes,grads", CASES, ids=str)
def test_mul(student, rng, shapes, grads):
    check_operator(student, rng, "mul", shapes, grads)


@pytest.mark.check("div")
@pytest.mark.parametrize("shapes,grads", CASES, ids=str)
def test_div(student, rng, shapes, grads):
    check_operator(student, rng, "div", shapes, grads)


# The Tensor operators with a Python number on either side: their own small check, because
# PyTorch accepts numbers but a design whose operators take Tensors only is not wrong. Such
# an operator may refuse a number with a TypeError; if it returns a value, it must be right.
NUMBER_CASES = [
    pytest.param("sub_scalars", "Tensor.__sub__/__rsub__ with Python numbers ((3.0 - a) - 0.5)",
                 "", id="sub"),
    pytest.param("mul_scalars", "Tensor.__mul__/__rmul__ with Python numbers ((2.0 * a) * -1.5)",
                 "", id="mul"),
    pytest.param("div_scalars", "Tensor.__truediv__/__rtruediv__ with Python numbers "
                 "((2.0 / a) / 4.0)", HINTS["div"], id="div"),
]


@pytest.mark.check("numbers")
@pytest.mark.parametrize("name,what,hint", NUMBER_CASES)
def test_with_numbers(student, rng, name, what, hint):
    a = rng.uniform(0.5, 2.0, size=(2, 3)) * rng.choice([-1.0, 1.0], size=(2, 3))
    check_expression(student, name, {"a": a}, [True], what=what, grad_hint=hint,
                     numbers_may_be_rejected=True)


@pytest.mark.check("mul")
def test_mul_same_tensor_twice(student, rng):
    check_expression(student, "mul_self", {"a": rng.normal(size=(3, 2))}, [True],
                     what="Mul (a * a): both operands are the same leaf",
                     upstream=rng.normal(size=(3, 2)), grad_hint=HINTS["accumulate"])
