"""Tensor: numpy data plus what autograd needs. Operators take Tensors or Python numbers."""
import numpy as np

from mytorch import autograd_engine
from mytorch.nn import functional as F


def _wrap(value):
    """A Python number (or array) as a constant Tensor; Tensors pass through."""
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

    def __repr__(self):
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({self.data}{flag})"

    def backward(self, gradient=None):
        """Backpropagate ``gradient`` (ones of this tensor's shape by default)."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad")
        if gradient is None:
            seed = np.ones(self.shape)
        else:
            seed = np.array(getattr(gradient, "data", gradient), dtype=np.float64)
        node = autograd_engine.accumulator(self) if self.is_leaf else self.grad_fn
        autograd_engine.backward(node, seed)

    # arithmetic: a Python number on either side becomes a constant Tensor
    def __add__(self, other):
        return F.Add.apply(self, _wrap(other))

    def __radd__(self, other):
        return F.Add.apply(_wrap(other), self)

    def __sub__(self, other):
        return F.Sub.apply(self, _wrap(other))

    def __rsub__(self, other):
        return F.Sub.apply(_wrap(other), self)

    def __mul__(self, other):
        return F.Mul.apply(self, _wrap(other))

    def __rmul__(self, other):
        return F.Mul.apply(_wrap(other), self)

    def __truediv__(self, other):
        return F.Div.apply(self, _wrap(other))

    def __rtruediv__(self, other):
        return F.Div.apply(_wrap(other), self)

    def __matmul__(self, other):
        return F.MatMul.apply(self, other)

    def __neg__(self):
        return F.Neg.apply(self)

    def __pow__(self, exponent):
        return F.Pow.apply(self, exponent)

    @property
    def T(self):
        return F.Transpose.apply(self)

    def reshape(self, *shape):
        """t.reshape(2, 3) or t.reshape((2, 3))."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return F.Reshape.apply(self, shape)

    def log(self):
        return F.Log.apply(self)

    def exp(self):
        return F.Exp.apply(self)

    def sum(self, axis=None, keepdims=False):
        return F.Sum.apply(self, axis, keepdims)
