"""PyTorch, float64: the reference every answer is compared with (grader process only)."""
from __future__ import annotations

from typing import Any, List, Optional

import numpy as np
import torch

from autograder.common import expressions

TORCH = torch
torch.set_num_threads(1)
DTYPE = torch.float64


def tensor(array, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(array), dtype=DTYPE, requires_grad=requires_grad)


def numpy(t: Optional[torch.Tensor]) -> Optional[np.ndarray]:
    return None if t is None else t.detach().numpy().copy()


class TorchOps:
    """The ``ops`` of expressions.py for PyTorch."""

    relu = staticmethod(torch.relu)

    @staticmethod
    def transpose(x: torch.Tensor) -> torch.Tensor:
        return x.T

    @staticmethod
    def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(logits, target.long())

    @staticmethod
    def find(mytorch: str, torch: Any) -> Any:
        """PyTorch's equivalent of the student's ``mytorch.<mytorch>``: ``torch`` is a path in
        the torch package ("nn.Tanh") or, where PyTorch has none, a callable written with
        PyTorch's Tensor methods."""
        if callable(torch):
            return torch
        found: Any = TORCH
        for name in torch.split("."):
            found = getattr(found, name)
        return found


def expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool],
               upstream: Optional[np.ndarray] = None) -> dict:
    """Run ``expressions.<name>`` in PyTorch: output, its requires_grad, each input's grad."""
    tensors = [tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    out = expressions.lookup(name)(TorchOps, *tensors)["out"]
    if out.requires_grad:
        out.backward(torch.ones_like(out) if upstream is None else tensor(upstream))
    return {"out": numpy(out), "requires_grad": out.requires_grad,
            "grads": [numpy(t.grad) for t in tensors]}
