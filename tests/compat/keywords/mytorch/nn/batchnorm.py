import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    """Batch normalisation over the batch axis of (batch, num_features) inputs.

    gamma, beta and the running statistics are (1, num_features) Tensors; the forward pass
    is built from graph operations, so autograd derives the backward.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum

        self.gamma = Tensor(np.ones((1, num_features)), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros((1, num_features)), requires_grad=True, is_parameter=True)

        self.running_mean = Tensor(np.zeros((1, num_features)))
        self.running_var = Tensor(np.ones((1, num_features)))

    def forward(self, x):
        eps = Tensor(np.array(self.eps))
        if not self.is_train:
            x_hat = (x - self.running_mean) / (self.running_var + eps).sqrt()
            return self.gamma * x_hat + self.beta

        m = Tensor(np.array(float(x.shape[0])))
        mean = x.sum(axis=0, keepdims=True) / m
        centered = x - mean
        var = (centered * centered).sum(axis=0, keepdims=True) / m     # biased: normalises
        x_hat = centered / (var + eps).sqrt()

        # running statistics (not part of the graph); PyTorch keeps the unbiased variance
        n = x.shape[0]
        unbiased_var = var.data * n / (n - 1)
        self.running_mean = Tensor((1 - self.momentum) * self.running_mean.data
                                   + self.momentum * mean.data)
        self.running_var = Tensor((1 - self.momentum) * self.running_var.data
                                  + self.momentum * unbiased_var)
        return self.gamma * x_hat + self.beta
