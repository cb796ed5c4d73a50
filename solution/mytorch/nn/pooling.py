"""Pooling layers: MaxPool2d and AvgPool2d (Part 5.6)."""
from __future__ import annotations

from typing import Optional

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class MaxPool2d(Module):
    """The maximum of every k x k window of x (N, C, H, W), as torch.nn.MaxPool2d without
    padding: out (N, C, Ho, Wo), Ho = (H - k) // s + 1, likewise Wo.

    Args:
        kernel_size: k, for square k x k windows.
        stride: s, the step between neighbouring windows; None (the default) means k, so
            that the windows tile the image.

    The gradient goes to each window's maximum (the first one in row-major order on a tie,
    as PyTorch); see F.MaxPool2dFunction. Vectorise: no Python loop over pixels.
    """

    def __init__(self, kernel_size: int, stride: Optional[int] = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def __repr__(self) -> str:
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride})"

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.max_pool2d(x, self.kernel_size, self.stride)
        ### END SOLUTION


class AvgPool2d(Module):
    """The mean of every k x k window of x (N, C, H, W), as torch.nn.AvgPool2d without
    padding: out (N, C, Ho, Wo), Ho = (H - k) // s + 1, likewise Wo.

    Args:
        kernel_size: k, for square k x k windows.
        stride: s; None (the default) means k.

    Every entry of a window gets 1/k^2 of its gradient; see F.AvgPool2dFunction.
    """

    def __init__(self, kernel_size: int, stride: Optional[int] = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def __repr__(self) -> str:
        return f"AvgPool2d(kernel_size={self.kernel_size}, stride={self.stride})"

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return F.avg_pool2d(x, self.kernel_size, self.stride)
        ### END SOLUTION
