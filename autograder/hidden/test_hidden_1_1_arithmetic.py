"""Hidden cases for Part 1.1: more broadcasting shapes, fresh seeds."""
import pytest

from autograder.checking import check_expression
from autograder.hints import HINTS
from autograder.test_1_1_arithmetic import _inputs

pytestmark = pytest.mark.arithmetic

SHAPES = [((1,), (6,)), ((2, 1, 3), (4, 1)), ((3, 5), ()), ((2, 3, 1, 2), (3, 4, 1))]


@pytest.mark.check("sub")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_sub_hidden(student, rng, shapes):
    inputs, upstream = _inputs(rng, shapes)
    check_expression(student, "sub", inputs, [True, True], what="Sub (a - b)", upstream=upstream,
                     grad_hint=HINTS["unbroadcast"])


@pytest.mark.check("mul")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_mul_hidden(student, rng, shapes):
    inputs, upstream = _inputs(rng, shapes)
    check_expression(student, "mul", inputs, [True, True], what="Mul (a * b)", upstream=upstream,
                     grad_hint=HINTS["unbroadcast"])


@pytest.mark.check("div")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_div_hidden(student, rng, shapes):
    inputs, upstream = _inputs(rng, shapes, nonzero_b=True)
    check_expression(student, "div", inputs, [True, True], what="Div (a / b)", upstream=upstream,
                     grad_hint=HINTS["unbroadcast"])
