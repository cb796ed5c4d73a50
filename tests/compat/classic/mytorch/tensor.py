"""Tensor in the original course's style: operators take Tensors only, T() is a method,
no unary minus or **, backward() on a tensor that does not require grad raises."""
import numpy as np

from mytorch import autograd_engine     # circular on purpose: autograd_engine imports us
import mytorch.nn.functional as F


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
        return f"Tensor({self.data})"

    @staticmethod
    def zeros(*shape):
        return Tensor(np.zeros(shape))

    @staticmethod
    def ones(*shape):
        return Tensor(np.ones(shape))

    def backward(self):
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad")
        autograd_engine.backward(self.grad_fn, Tensor(np.ones(self.shape)))

    def _check(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"only Tensors are supported, got {type(other).__name__}")
        return other

    def __add__(self, other):
        return F.Add.apply(self, self._check(other))

    def __sub__(self, other):
        return F.Sub.apply(self, self._check(other))

    def __mul__(self, other):
        return F.Mul.apply(self, self._check(other))

    def __truediv__(self, other):
        return F.Div.apply(self, self._check(other))

    def __matmul__(self, other):
        return F.MatMul.apply(self, self._check(other))

    def T(self):
        return F.Transpose.apply(self)

    def reshape(self, *shape):
        return F.Reshape.apply(self, shape)

    def log(self):
        return F.Log.apply(self)

    def exp(self):
        return F.Exp.apply(self)

    def sqrt(self):
        return F.Sqrt.apply(self)

    def sum(self, axis=None, keepdims=False):
        return F.Sum.apply(self, axis, keepdims)
