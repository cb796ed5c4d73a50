"""Hidden cases for Part 1.1: more broadcasting shapes, fresh seeds."""
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS
from autograder.test_1_1_arithmetic import _inputs

pytestmark = pytest.mark.arithmetic

SHAPES = [((1,), (6,)), ((2, 1, 3), (4, 1)), ((3, 5), ()), ((2, 3, 1, 2), (3, 4, 1))]


def _check_operator(student, rng, probe: str, what: str, shapes, nonzero_b: bool = False):
    inputs, upstream = _inputs(rng, shapes, nonzero_b=nonzero_b)
    check_expression(student, probe, inputs, [True, True], what=what, upstream=upstream,
                     grad_hint=HINTS["unbroadcast"])


@pytest.mark.check("sub")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_sub_hidden(student, rng, shapes):
    _check_operator(student, rng, "sub", "Sub (a - b)", shapes)


@pytest.mark.check("mul")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_mul_hidden(student, rng, shapes):
    _check_operator(student, rng, "mul", "Mul (a * b)", shapes)


@pytest.mark.check("div")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_div_hidden(student, rng, shapes):
    _check_operator(student, rng, "div", "Div (a / b)", shapes, nonzero_b=True)
