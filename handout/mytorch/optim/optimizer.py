"""Optimizer: the base class of every optimizer."""
from __future__ import annotations

from typing import Iterable, List

from mytorch.tensor import Tensor


class Optimizer:
    """Holds the parameters to update. Subclasses implement ``step``.

    Updates change ``param.data`` in place and never build graph nodes.
    """

    def __init__(self, params: Iterable[Tensor]) -> None:
        self.params: List[Tensor] = list(params)

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward (``param.grad = None``)."""
        for param in self.params:
            param.grad = None

    def step(self) -> None:
        raise NotImplementedError
