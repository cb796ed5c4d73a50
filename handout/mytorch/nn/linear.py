"""Linear: the fully connected layer."""
from __future__ import annotations

import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor, get_default_dtype


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
    Shapes: x (N, in_features) -> y (N, out_features); weight (out_features, in_features),
    bias (out_features,) broadcast over the batch.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        # PyTorch's default initialisation: uniform in [-1/sqrt(in), 1/sqrt(in)].
        bound = 1.0 / np.sqrt(in_features)
        # The parameters have the default dtype (float32 unless set_default_dtype changed it).
        dtype = get_default_dtype()
        self.weight = Tensor(np.random.uniform(-bound, bound, (out_features, in_features))
                             .astype(dtype), requires_grad=True, is_parameter=True)
        self.bias = Tensor(np.random.uniform(-bound, bound, (out_features,)).astype(dtype),
                           requires_grad=True, is_parameter=True)

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_features) -> (N, out_features)."""
        # TODO: Part 2.1 - implement Linear.forward.
        raise NotImplementedError("Linear.forward (Part 2.1)")
