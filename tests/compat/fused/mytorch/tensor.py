"""Tensor with PyTorch-like operators: numbers welcome, .T a property, unary minus and **."""
import numpy as np

from mytorch.autograd_engine import backward as run_backward
import mytorch.nn.functional as F


def as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(np.array(value, dtype=np.float64))


class Tensor:
    def __init__(self, data, requires_grad=False, is_leaf=True, is_parameter=False):
        self.data = data if isinstance(data, np.ndarray) else np.array(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.is_leaf = is_leaf
        self.is_parameter = is_parameter
        self.grad_fn = None
        self.grad = None

    @property
    def shape(self):
        return self.data.shape

    def backward(self):
        """Nothing to do on a tensor that does not require grad."""
        if self.requires_grad:
            run_backward(self.grad_fn, Tensor(np.ones(self.shape)))

    def __add__(self, other):
        return F.Add.apply(self, as_tensor(other))

    def __radd__(self, other):
        return F.Add.apply(as_tensor(other), self)

    def __sub__(self, other):
        return F.Sub.apply(self, as_tensor(other))

    def __rsub__(self, other):
        return F.Sub.apply(as_tensor(other), self)

    def __mul__(self, other):
        return F.Mul.apply(self, as_tensor(other))

    def __rmul__(self, other):
        return F.Mul.apply(as_tensor(other), self)

    def __truediv__(self, other):
        return F.Div.apply(self, as_tensor(other))

    def __rtruediv__(self, other):
        return F.Div.apply(as_tensor(other), self)

    def __matmul__(self, other):
        return F.MatMul.apply(self, other)

    def __neg__(self):
        return F.Sub.apply(Tensor(np.array(0.0)), self)

    def __pow__(self, exponent):
        return F.Pow.apply(self, exponent)

    @property
    def T(self):
        return F.Transpose.apply(self)

    def reshape(self, *shape):
        return F.Reshape.apply(self, shape)

    def log(self):
        return F.Log.apply(self)

    def exp(self):
        return F.Exp.apply(self)

    def sum(self, axis=None, keepdims=False):
        return F.Sum.apply(self, axis, keepdims)
