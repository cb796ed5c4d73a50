import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.stride, self.padding = stride, padding
        bound = 1 / np.sqrt(in_channels * kernel_size * kernel_size)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = Tensor(np.random.uniform(-bound, bound, shape), requires_grad=True,
                             is_parameter=True)
        self.bias = Tensor(np.random.uniform(-bound, bound, out_channels), requires_grad=True,
                           is_parameter=True)

    def forward(self, x):
        return F.Conv2d.apply(x, self.weight, self.bias, self.stride, self.padding)


class Flatten(Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)
