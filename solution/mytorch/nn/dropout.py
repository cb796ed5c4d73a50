"""Dropout: zero random entries while training (Part 5)."""
from __future__ import annotations

from typing import Optional

import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Dropout(Module):
    """Inverted dropout with drop probability p.

    Training mode: draw a fresh mask for every call, each entry kept (1) with probability
    1 - p and dropped (0) with probability p, and return x * mask / (1 - p), so that the
    expected output equals x. Store the mask used in ``self.mask`` (a numpy array of 0s and
    1s shaped like x, in x's dtype): the autograder reads it, since random masks cannot match PyTorch's.
    Eval mode: return x unchanged (``self.mask`` is then not used).
    Use ``np.random`` for the mask (``np.random.seed`` then makes runs repeatable).
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.mask: Optional[np.ndarray] = None

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        if not self.is_train:
            return x
        self.mask = (np.random.random(x.shape) >= self.p).astype(x.data.dtype)
        return F.DropoutFunction.apply(x, self.mask, 1.0 / (1.0 - self.p))
        ### END SOLUTION
