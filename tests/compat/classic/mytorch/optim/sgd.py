import numpy as np

from mytorch.optim.optimizer import Optimizer


class SGD(Optimizer):
    """step() also zeroes the gradients it used."""

    def __init__(self, params, lr=0.001, momentum=0.0):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.velocities = [np.zeros(p.shape) for p in self.params]

    def step(self):
        for param, velocity in zip(self.params, self.velocities):
            if param.grad is None:
                continue
            velocity[...] = self.momentum * velocity - self.lr * param.grad.data
            param.data = param.data + velocity
            param.grad.data = np.zeros_like(param.grad.data)
