"""AdamW: Adam with decoupled weight decay (Part 5)."""
from __future__ import annotations

from typing import Iterable, Tuple

from mytorch.optim.adam import Adam
from mytorch.tensor import Tensor


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The decay is decoupled from the gradient: at every step, first shrink each parameter
    that has a gradient,
        W <- W - lr * weight_decay * W
    then take Adam's step (Adam.step) with the plain gradient: Adam's own, coupled
    weight_decay stays 0.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps)
        self.decoupled_weight_decay = weight_decay

    def step(self) -> None:
        """Update every parameter's ``.data`` in place."""
        # TODO: Part 5.5 - implement AdamW.step.
        raise NotImplementedError("AdamW.step (Part 5.5)")
