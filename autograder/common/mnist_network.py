"""Part 3's network as both processes know it: its layers, and the parameters of each kind.

The grader checks the student's model against ``ARCHITECTURE``, rebuilds it in PyTorch
(autograder/grader/mnist_model.py) and says it in its hints (``model_text``); the student
process records the parameters each layer has by ``PARAMETERS``
(autograder/worker/training_record.py). A parameter is named by its layer's index in the
model and its attribute: "0.weight", "1.gamma", ...
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

Shape = Optional[Tuple[int, ...]]

# The layers of hw1/mnist.py's model, in order: (kind, shape of the weight or of gamma).
ARCHITECTURE: List[Tuple[str, Shape]] = [("Linear", (20, 784)), ("BatchNorm1d", (20,)),
                                         ("ReLU", None), ("Linear", (10, 20))]
# What training changes in each kind of layer.
PARAMETERS: Dict[str, Tuple[str, ...]] = {"Linear": ("weight", "bias"),
                                          "BatchNorm1d": ("gamma", "beta")}
# Every parameter of ARCHITECTURE, in order: ("0.weight", "0.bias", "1.gamma", ...).
PARAMETER_NAMES = tuple(f"{index}.{name}" for index, (kind, _) in enumerate(ARCHITECTURE)
                        for name in PARAMETERS.get(kind, ()))


def layer_text(kind: str, shape: Shape) -> str:
    """A layer as hw1/mnist.py builds it: Linear(784, 20), BatchNorm1d(20), ReLU()."""
    if kind == "Linear":
        shape = shape[::-1]                 # the weight is (out, in); Linear takes (in, out)
    return f"{kind}({', '.join(str(size) for size in shape or ())})"


def model_text() -> str:
    """The model as hw1/mnist.py builds it: Sequential(Linear(784, 20), ..., Linear(20, 10))."""
    return f"Sequential({', '.join(layer_text(kind, shape) for kind, shape in ARCHITECTURE)})"
