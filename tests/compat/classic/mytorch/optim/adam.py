import numpy as np

from mytorch.optim.optimizer import Optimizer


class Adam(Optimizer):
    """Kingma & Ba's efficient form: bias corrections folded into the step size."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros(p.shape) for p in self.params]
        self.v = [np.zeros(p.shape) for p in self.params]
        self.t = 0

    def step(self):
        self.t += 1
        step_size = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for param, m, v in zip(self.params, self.m, self.v):
            if param.grad is None:
                continue
            g = param.grad.data
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g * g
            param.data = param.data - step_size * m / (np.sqrt(v) + self.eps)
