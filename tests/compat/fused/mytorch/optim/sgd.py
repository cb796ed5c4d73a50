import numpy as np

from mytorch.optim.optimizer import Optimizer


class SGD(Optimizer):
    """step() clears the gradients it used (param.grad = None)."""

    def __init__(self, params, lr=0.001, momentum=0.0):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.velocities = [np.zeros(p.shape) for p in self.params]

    def step(self):
        for k, param in enumerate(self.params):
            if param.grad is None:
                continue
            if self.momentum:
                self.velocities[k] = self.momentum * self.velocities[k] - self.lr * param.grad.data
                param.data += self.velocities[k]
            else:
                param.data -= self.lr * param.grad.data
            param.grad = None
