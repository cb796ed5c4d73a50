"""LayerNorm: normalise every sample over its last axes (Part 5.6)."""
from __future__ import annotations

from typing import Tuple, Union

import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class LayerNorm(Module):
    """Layer normalisation, as torch.nn.LayerNorm.

    Each sample is normalised over its last len(normalized_shape) axes with its own mean and
    biased variance, then scaled and shifted: y = weight * (x - mu) / sqrt(var + eps) + bias.
    The same in training and eval mode. The maths, forward and backward, is in the
    docstring of F.LayerNormFunction.

    Args:
        normalized_shape: the trailing shape normalised over: an int d for (..., d), or a
            tuple such as (C, H, W).
        eps: added to the variance before the square root.
        elementwise_affine: whether weight (ones) and bias (zeros), both of shape
            normalized_shape, are learnt; without them y = x_hat (weight and bias are None).

    Compose graph operations, or call ``F.layer_norm``, one LayerNormFunction node whose
    backward you write out (the reference does this).
    """

    def __init__(self, normalized_shape: Union[int, Tuple[int, ...]], eps: float = 1e-5,
                 elementwise_affine: bool = True) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Tensor(np.ones(self.normalized_shape), requires_grad=True,
                                 is_parameter=True)
            self.bias = Tensor(np.zeros(self.normalized_shape), requires_grad=True,
                               is_parameter=True)

    def __repr__(self) -> str:
        return (f"LayerNorm({self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine})")

    def forward(self, x: Tensor) -> Tensor:
        """x: (..., *normalized_shape) -> the same shape."""
        # TODO: Part 5.6 - implement LayerNorm.forward.
        raise NotImplementedError("LayerNorm.forward (Part 5.6)")
