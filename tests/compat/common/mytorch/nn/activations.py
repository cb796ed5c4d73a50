import mytorch.nn.functional as F
from mytorch.nn.module import Module


class ReLU(Module):
    def forward(self, x):
        return F.ReLU.apply(x)
