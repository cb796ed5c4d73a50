"""Sequential: layers applied one after the other."""
from __future__ import annotations

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Sequential(Module):
    """``Sequential(l1, l2, l3)(x) == l3(l2(l1(x)))``."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.layers = list(layers)

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def forward(self, x: Tensor) -> Tensor:
        """Pass ``x`` through every layer in order and return the last output."""
        # TODO: Part 2.1 - implement Sequential.forward.
        raise NotImplementedError("Sequential.forward (Part 2.1)")
