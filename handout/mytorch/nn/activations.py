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
        # TODO: Part 2.2 - implement ReLU.forward.
        raise NotImplementedError("ReLU.forward (Part 2.2)")
