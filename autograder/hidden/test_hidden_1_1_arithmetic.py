"""Hidden cases for Part 1.1: more broadcasting shapes, fresh seeds."""
import pytest

from autograder.test_1_1_arithmetic import check_operator

pytestmark = pytest.mark.arithmetic

SHAPES = [((1,), (6,)), ((2, 1, 3), (4, 1)), ((3, 5), ()), ((2, 3, 1, 2), (3, 4, 1))]


@pytest.mark.check("sub")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_sub_hidden(student, rng, shapes):
    check_operator(student, rng, "sub", shapes)


@pytest.mark.check("mul")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_mul_hidden(student, rng, shapes):
    check_operator(student, rng, "mul", shapes)


@pytest.mark.check("div")
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_div_hidden(student, rng, shapes):
    check_operator(student, rng, "div", shapes)
