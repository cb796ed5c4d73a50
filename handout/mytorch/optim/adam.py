"""Adam: SGD with per-parameter step sizes from running moments of the gradient."""
from __future__ import annotations

from typing import Iterable, Tuple

import numpy as np

from mytorch.optim.optimizer import Optimizer
from mytorch.tensor import Tensor


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    For each parameter W with gradient g, at step t = 1, 2, ...:
        m <- b1 * m + (1 - b1) * g              first moment (mean of g)
        v <- b2 * v + (1 - b2) * g * g          second moment (mean of g^2)
        m_hat = m / (1 - b1^t)                  bias correction: m and v start at 0,
        v_hat = v / (1 - b2^t)                  so early averages are too small
        W <- W - lr * m_hat / (sqrt(v_hat) + eps)
    With weight_decay wd (L2 regularisation, Part 5), PyTorch's coupled form: g = grad + wd * W
    (the decay then goes through the moments; AdamW in adamw.py decouples it).

    Parameters without a gradient (``grad is None``) are left alone.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = lr
        self.weight_decay = weight_decay
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]      # in each p's dtype
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """Update every parameter's ``.data`` in place."""
        # TODO: Part 4.1 - implement Adam.step.
        raise NotImplementedError("Adam.step (Part 4.1)")
