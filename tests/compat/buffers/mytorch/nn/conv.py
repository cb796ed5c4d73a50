import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Conv2d(Module):
    """2-D cross-correlation without padding (as the original course's); square kernels."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        super().__init__()
        self.stride = stride
        bound = 1 / np.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = Tensor(np.random.uniform(
            -bound, bound, (out_channels, in_channels, kernel_size, kernel_size)),
            requires_grad=True, is_parameter=True)
        self.bias = Tensor(np.random.uniform(-bound, bound, (out_channels,)),
                           requires_grad=True, is_parameter=True)

    def forward(self, x):
        return F.Conv2d.apply(x, self.weight, self.bias, self.stride)


class Flatten(Module):
    """(N, ...) -> (N, -1)."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)
