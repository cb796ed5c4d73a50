"""Convolution layers: Conv2d, and Flatten to hand their output to a Linear layer."""
from __future__ import annotations

import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor, get_default_dtype


class Conv2d(Module):
    """2-d convolution (cross-correlation) over (N, C, H, W) inputs.

    The maths, forward and backward, is in the docstring of F.Conv2dFunction.

    Args:
        in_channels: C of the input.
        out_channels: O, the number of filters.
        kernel_size: k, for square k x k filters.
        stride: step s between neighbouring receptive fields.
        padding: P zeros added on every side of H and W.
    Shapes: weight (O, C, k, k), bias (O,); x (N, C, H, W) -> (N, O, Ho, Wo) with
    Ho = (H + 2P - k) // s + 1, and likewise Wo.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        # PyTorch's default initialisation: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)].
        bound = 1.0 / np.sqrt(in_channels * kernel_size * kernel_size)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        # The parameters have the default dtype (float32 unless set_default_dtype changed it).
        dtype = get_default_dtype()
        self.weight = Tensor(np.random.uniform(-bound, bound, shape).astype(dtype),
                             requires_grad=True, is_parameter=True)
        self.bias = Tensor(np.random.uniform(-bound, bound, (out_channels,)).astype(dtype),
                           requires_grad=True, is_parameter=True)

    def __repr__(self) -> str:
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
                f", stride={self.stride}, padding={self.padding})")

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, H, W) -> (N, O, Ho, Wo), through F.conv2d."""
        # TODO: Part 4.2 - implement Conv2d.forward.
        raise NotImplementedError("Conv2d.forward (Part 4.2)")


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): keep the batch axis, merge all the others."""

    def __repr__(self) -> str:
        return "Flatten()"

    def forward(self, x: Tensor) -> Tensor:
        # TODO: Part 4.2 - implement Flatten.forward.
        raise NotImplementedError("Flatten.forward (Part 4.2)")
