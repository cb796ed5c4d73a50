import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    """Composed from graph operations; eps and momentum are kept as Tensors."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps = Tensor(np.array(eps))
        self.momentum = Tensor(np.array(momentum))
        self.gamma = Tensor(np.ones(num_features), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros(num_features), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(num_features))
        self.running_var = Tensor(np.ones(num_features))

    def forward(self, x):
        if not self.is_train:
            centered = x - self.running_mean
            return centered / (self.running_var + self.eps).sqrt() * self.gamma + self.beta
        m = Tensor(np.array(float(x.shape[0])))
        mean = x.sum(0) / m
        centered = x - mean
        var = (centered * centered).sum(0) / m
        a, n = self.momentum.data, x.shape[0]
        self.running_mean.data = (1 - a) * self.running_mean.data + a * mean.data
        self.running_var.data = (1 - a) * self.running_var.data + a * var.data * n / (n - 1)
        return centered / (var + self.eps).sqrt() * self.gamma + self.beta
