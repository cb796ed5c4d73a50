"""Part 5.1 (extension track): Tanh, Sigmoid (stable for large |x|), LeakyReLU, GELU."""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.activations

SHAPES = [(5,), (4, 6), (2, 3, 4)]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@pytest.mark.check("tanh")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_tanh(student, rng, shape):
    x, upstream = rng.normal(size=shape) * 2, rng.normal(size=shape)
    t = np.tanh(x)
    mistakes = {"x": {HINTS["chain_rule_missing"]: 1 - t * t,
                      HINTS["tanh_derivative_missing_square"]: upstream * (1 - t)}}
    check_expression(student, "tanh", {"x": x}, [True], what="Tanh()(x)", upstream=upstream,
                     grad_hint=HINTS["tanh"], mistakes=mistakes)


@pytest.mark.check("sigmoid")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sigmoid(student, rng, shape):
    x, upstream = rng.normal(size=shape) * 3, rng.normal(size=shape)
    s = _sigmoid(x)
    mistakes = {"x": {HINTS["chain_rule_missing"]: s * (1 - s),
                      HINTS["sigmoid_derivative_of_input"]: upstream * x * (1 - x)}}
    check_expression(student, "sigmoid", {"x": x}, [True], what="Sigmoid()(x)",
                     upstream=upstream, grad_hint=HINTS["sigmoid"], mistakes=mistakes)


@pytest.mark.parametrize("name,layer", [
    pytest.param("tanh", "Tanh", marks=pytest.mark.check("tanh"), id="tanh"),
    pytest.param("sigmoid", "Sigmoid", marks=pytest.mark.check("sigmoid"), id="sigmoid")])
def test_in_a_graph_and_on_constants(student, rng, name, layer):
    check_expression(student, f"{name}_of_sum", {"a": rng.normal(size=(3, 4)),
                                                 "b": rng.normal(size=(4,))}, [True, True],
                     what=f"{layer}()(a + b)", upstream=rng.normal(size=(3, 4)),
                     grad_hint=HINTS[name])
    check_expression(student, name, {"x": rng.normal(size=(3, 3))}, [False],
                     what=f"{layer}()(x) on a constant x")


@pytest.mark.check("stability")
@pytest.mark.parametrize("scale", [1e3, 1e5])
def test_sigmoid_large_inputs(student, rng, scale):
    """Saturated inputs both ways: values 0 and 1 exactly, gradients 0, nothing inf or nan."""
    x = rng.normal(size=(4, 5)) * scale
    check_expression(student, "sigmoid", {"x": x}, [True], what="Sigmoid()(x), large |x|",
                     upstream=rng.normal(size=(4, 5)), hint=HINTS["sigmoid_stable"],
                     grad_hint=HINTS["sigmoid_stable"])


@pytest.mark.check("leaky_relu")
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 4)], ids=str)
def test_leaky_relu(student, rng, shape):
    """LeakyReLU() + LeakyReLU(0.2), with some x exactly 0 (the slope there, as PyTorch)."""
    x = rng.normal(size=shape)
    x.flat[::5] = 0.0
    check_expression(student, "leaky_relu", {"x": x}, [True],
                     what="LeakyReLU()(x) + LeakyReLU(0.2)(x)", upstream=rng.normal(size=shape),
                     hint=HINTS["leaky_relu"], grad_hint=HINTS["leaky_relu"],
                     mistakes={"out": {HINTS["relu_identity"]: 2 * x}})


@pytest.mark.check("gelu")
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 4)], ids=str)
def test_gelu(student, rng, shape):
    x = rng.normal(size=shape) * 2
    check_expression(student, "gelu", {"x": x}, [True], what="GELU()(x)",
                     upstream=rng.normal(size=shape), hint=HINTS["gelu"],
                     grad_hint=HINTS["gelu"])
