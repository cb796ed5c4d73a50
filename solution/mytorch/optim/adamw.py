"""AdamW: Adam with decoupled weight decay (Part 5)."""
from __future__ import annotations

from typing import Iterable, Tuple

import numpy as np

from mytorch.optim.adam import Adam
from mytorch.tensor import Tensor


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The decay is decoupled from the gradient: at every step, first shrink the weights,
        W <- W - lr * weight_decay * W
    then take Adam's step with the plain gradient g (m, v, m_hat, v_hat as in Adam, without
    weight decay in g: this step replaces Adam.step). Parameters without a gradient are left
    alone.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def step(self) -> None:
        """Update every parameter's ``.data`` in place."""
        ### BEGIN SOLUTION
        self.t += 1
        correction1 = 1.0 - self.beta1 ** self.t
        correction2 = 1.0 - self.beta2 ** self.t
        for param, m, v in zip(self.params, self.m, self.v):
            if param.grad is None:
                continue
            g = param.grad.data
            param.data *= 1.0 - self.lr * self.weight_decay
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            param.data -= self.lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps)
        ### END SOLUTION
