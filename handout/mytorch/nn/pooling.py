"""Pooling layers: MaxPool2d and AvgPool2d (Part 5.6)."""
from __future__ import annotations

from typing import Optional

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Pool2d(Module):
    """What both pooling layers hold: k, for square k x k windows, and the stride s between
    neighbouring windows (None, the default, means k: the windows tile the image)."""

    def __init__(self, kernel_size: int, stride: Optional[int] = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride})"


class MaxPool2d(Pool2d):
    """The maximum of every k x k window of x (N, C, H, W), as torch.nn.MaxPool2d without
    padding: out (N, C, Ho, Wo), Ho = (H - k) // s + 1, likewise Wo.

    The gradient goes to each window's maximum (the first one in row-major order on a tie,
    as PyTorch); see F.MaxPool2dFunction. Vectorise: no Python loop over pixels.
    """

    def forward(self, x: Tensor) -> Tensor:
        # TODO: Part 5.6 - implement MaxPool2d.forward.
        raise NotImplementedError("MaxPool2d.forward (Part 5.6)")


class AvgPool2d(Pool2d):
    """The mean of every k x k window of x (N, C, H, W), as torch.nn.AvgPool2d without
    padding: out (N, C, Ho, Wo), Ho = (H - k) // s + 1, likewise Wo.

    Every entry of a window gets 1/k^2 of its gradient; see F.AvgPool2dFunction.
    """

    def forward(self, x: Tensor) -> Tensor:
        # TODO: Part 5.6 - implement AvgPool2d.forward.
        raise NotImplementedError("AvgPool2d.forward (Part 5.6)")
