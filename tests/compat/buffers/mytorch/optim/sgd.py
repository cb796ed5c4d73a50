import numpy as np

from mytorch.optim.optimizer import Optimizer


class SGD(Optimizer):
    """Momentum in the velocity form v = momentum * v - lr * g; p += v.
    step() leaves .grad alone (zero_grad() sets it to None)."""

    def __init__(self, params, lr=0.001, momentum=0.0):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.velocities = [np.zeros(p.shape) for p in self.params]

    def step(self):
        for param, velocity in zip(self.params, self.velocities):
            if param.grad is None:
                continue
            velocity *= self.momentum
            velocity -= self.lr * param.grad.data
            param.data += velocity
