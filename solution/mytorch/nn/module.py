"""Module: the base class of every layer."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import numpy as np

from mytorch.tensor import Tensor


class Module:
    """A layer: holds parameters and sub-modules, and maps inputs to outputs in ``forward``.

    Attributes that are parameters (``Tensor`` with ``is_parameter=True``) or Modules are
    found automatically by ``parameters()``; ``train()`` and ``eval()`` set ``is_train`` on
    this module and every sub-module. ``state_dict()`` and ``load_state_dict()`` (Part 5.7)
    read and write every Tensor attribute by its dotted name, as PyTorch's do.
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

    # Part 5.7: the state of a model, by name --------------------------------------------
    def named_tensors(self, prefix: str = "") -> Iterator[Tuple[str, Tensor]]:
        """Every Tensor attribute of this module and of its sub-modules, with its dotted name.

        This module's own Tensors come first, named by their attribute: parameters and the
        other Tensors it keeps (PyTorch's buffers, e.g. BatchNorm1d's running_mean). Then
        each sub-module's, prefixed by the sub-module's attribute name and a dot; a module
        held in a list or tuple is named by its index in it. So a Sequential's first Linear
        gives "layers.0.weight" and "layers.0.bias" (Sequential keeps its layers in the list
        ``self.layers``): PyTorch's state_dict names for the same structure (a list of
        modules being an nn.ModuleList).
        """
        ### BEGIN SOLUTION
        children = []
        for name, value in vars(self).items():
            if isinstance(value, Tensor):
                yield prefix + name, value
            elif isinstance(value, Module):
                children.append((prefix + name, value))
            elif isinstance(value, (list, tuple)):
                children.extend((f"{prefix}{name}.{index}", item)
                                for index, item in enumerate(value) if isinstance(item, Module))
        for name, child in children:
            yield from child.named_tensors(name + ".")
        ### END SOLUTION

    def state_dict(self) -> Dict[str, np.ndarray]:
        """{dotted name: a copy of the Tensor's data} for every Tensor of ``named_tensors``.

        Copies, so that training on after the call does not change a state kept (or saved)
        before it.
        """
        ### BEGIN SOLUTION
        return {name: t.data.copy() for name, t in self.named_tensors()}
        ### END SOLUTION

    def load_state_dict(self, state: Dict[str, np.ndarray]) -> None:
        """Copy ``state`` (as ``state_dict`` returns it) into this module's Tensors, in place.

        The Tensor objects stay the same (an optimizer built on ``parameters()`` before the
        call keeps working); only their data changes. The names must match exactly, as in
        PyTorch's default (strict) mode: raise an error (RuntimeError, as PyTorch) that names
        every key the state lacks ("missing") and every key the module does not have
        ("unexpected"), and one that names the key and both shapes when an array's shape
        differs from its Tensor's.
        """
        ### BEGIN SOLUTION
        tensors = dict(self.named_tensors())
        missing = [name for name in tensors if name not in state]
        unexpected = [name for name in state if name not in tensors]
        if missing or unexpected:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: missing keys "
                               f"{missing}, unexpected keys {unexpected}")
        for name, t in tensors.items():
            value = np.asarray(getattr(state[name], "data", state[name]))
            if value.shape != t.shape:
                raise RuntimeError(f"load_state_dict: size mismatch for {name}: the state has "
                                   f"shape {value.shape}, the module {t.shape}")
        for name, t in tensors.items():
            t.data[...] = getattr(state[name], "data", state[name])
        ### END SOLUTION
