"""BatchNorm1d: normalise every feature over the batch."""
from __future__ import annotations

import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor, get_default_dtype


class BatchNorm1d(Module):
    """Batch normalisation over (N, num_features) inputs.

    Training mode, with m = N rows:
        mu = (1/m) sum_i x_i                      var = (1/m) sum_i (x_i - mu)^2   (biased)
        x_hat = (x - mu) / sqrt(var + eps)        y = gamma * x_hat + beta
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)  (unbiased)
    Eval mode: normalise with running_mean and running_var instead of the batch statistics,
    and leave them unchanged.

    gamma and beta (shape (num_features,)) are parameters; the running statistics are
    constants (no gradient).

    Compose graph operations (``sum``, ``-``, ``*``, ``/``, ``** 0.5``) and let autograd find
    the gradient, or compute the statistics in numpy and call ``F.batch_norm``, one
    BatchNorm1dFunction node whose backward you write out (its docstring has the formulas;
    the reference does this).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        dtype = get_default_dtype()     # float32 unless set_default_dtype changed it
        self.gamma = Tensor(np.ones(num_features, dtype), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros(num_features, dtype), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(num_features, dtype))
        self.running_var = Tensor(np.ones(num_features, dtype))

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features})"

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, num_features) -> (N, num_features)."""
        # TODO: Part 2.4 - implement BatchNorm1d.forward.
        raise NotImplementedError("BatchNorm1d.forward (Part 2.4)")
