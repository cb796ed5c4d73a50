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
