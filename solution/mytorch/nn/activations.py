"""Activation layers."""
from __future__ import annotations

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class ReLU(Module):
    """relu(x) = max(x, 0), elementwise; any shape."""

    def __repr__(self) -> str:
        return "ReLU()"

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.relu(x)
        ### END SOLUTION


# Part 5 (the extension track) --------------------------------------------------------------
class Tanh(Module):
    """tanh(x), elementwise; any shape."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.TanhFunction.apply(x)
        ### END SOLUTION


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise; any shape. Must stay finite for |x| in the thousands."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.SigmoidFunction.apply(x)
        ### END SOLUTION


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x; any shape."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.LeakyReLUFunction.apply(x, self.negative_slope)
        ### END SOLUTION


class GELU(Module):
    """x * Phi(x) with Phi the standard normal CDF (PyTorch's exact GELU); any shape."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.GELUFunction.apply(x)
        ### END SOLUTION
