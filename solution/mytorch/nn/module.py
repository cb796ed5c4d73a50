"""Module: the base class of every layer."""
from __future__ import annotations

from typing import Any, Iterator, List

from mytorch.tensor import Tensor


class Module:
    """A layer: holds parameters and sub-modules, and maps inputs to outputs in ``forward``.

    Attributes that are parameters (``Tensor`` with ``is_parameter=True``) or Modules are
    found automatically by ``parameters()``; ``train()`` and ``eval()`` set ``is_train`` on
    this module and every sub-module.
    """

    def __init__(self) -> None:
        self.is_train = True

    def forward(self, *args: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, *args: Any) -> Tensor:
        return self.forward(*args)

    def children(self) -> List["Module"]:
        """The direct sub-modules, in the order they were assigned."""
        found = []
        for value in vars(self).values():
            if isinstance(value, Module):
                found.append(value)
            elif isinstance(value, (list, tuple)):
                found.extend(v for v in value if isinstance(v, Module))
        return found

    def parameters(self) -> Iterator[Tensor]:
        """Every parameter of this module and its sub-modules, each once."""
        seen = set()
        for value in vars(self).values():
            if isinstance(value, Tensor) and value.is_parameter and id(value) not in seen:
                seen.add(id(value))
                yield value
        for child in self.children():
            for p in child.parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield p

    def train(self) -> "Module":
        """Switch to training mode (e.g. BatchNorm uses batch statistics)."""
        self.is_train = True
        for child in self.children():
            child.train()
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode (e.g. BatchNorm uses its running statistics)."""
        self.is_train = False
        for child in self.children():
            child.eval()
        return self
