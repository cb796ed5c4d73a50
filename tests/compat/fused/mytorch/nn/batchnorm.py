import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.gamma = Tensor(np.ones(num_features), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros(num_features), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(num_features))
        self.running_var = Tensor(np.ones(num_features))

    def forward(self, x):
        if not self.is_train:
            return F.BatchNorm1d.apply(x, self.gamma, self.beta, self.running_mean.data,
                                       self.running_var.data, self.eps, False)
        m = x.shape[0]
        mean, var = x.data.mean(axis=0), x.data.var(axis=0)
        a = self.momentum
        self.running_mean = Tensor((1 - a) * self.running_mean.data + a * mean)
        self.running_var = Tensor((1 - a) * self.running_var.data + a * var * m / (m - 1))
        return F.BatchNorm1d.apply(x, self.gamma, self.beta, mean, var, self.eps, True)
