"""Stochastic gradient descent, optionally with momentum."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from mytorch.optim.optimizer import Optimizer
from mytorch.tensor import Tensor


class SGD(Optimizer):
    """Plain SGD:     W <- W - lr * grad
    With momentum b: v <- b * v - lr * grad;  W <- W + v      (one v per parameter, v0 = 0)
    With weight_decay wd (L2 regularisation, Part 5), PyTorch's coupled form: use
    grad + wd * W in place of grad in the lines above.

    Parameters without a gradient (``grad is None``) are left alone.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocities = [np.zeros_like(p.data) for p in self.params]   # in p's dtype

    def step(self) -> None:
        """Update every parameter's ``.data`` in place."""
        # TODO: Part 2.3 - implement SGD.step.
        raise NotImplementedError("SGD.step (Part 2.3)")
