import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    """Batch normalisation over (N, F) inputs, one fused Function. The running statistics
    are Tensors that are not parameters; eps and momentum are floats."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = float(eps), float(momentum)
        self.gamma = Tensor(np.ones(num_features), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros(num_features), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(num_features))
        self.running_var = Tensor(np.ones(num_features))

    def forward(self, x):
        return F.BatchNorm.apply(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                 self.is_train, self.momentum, self.eps)
