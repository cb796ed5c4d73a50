import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Linear(Module):
    """y = x W^T + b as one fused Function; weights uniform in +-1/sqrt(in_features)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / np.sqrt(in_features)
        self.weight = Tensor(np.random.uniform(-bound, bound, (out_features, in_features)),
                             requires_grad=True, is_parameter=True)
        self.bias = Tensor(np.random.uniform(-bound, bound, (out_features,)),
                           requires_grad=True, is_parameter=True)

    def forward(self, x):
        return F.Linear.apply(x, self.weight, self.bias)
