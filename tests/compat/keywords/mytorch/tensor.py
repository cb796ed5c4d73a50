"""Tensor: a numpy array with what autograd needs. Operators take Tensors only."""
import numpy as np

from mytorch import autograd_engine
import mytorch.nn.functional as F


class Tensor:
    def __init__(self, data, requires_grad=False, is_leaf=True, is_parameter=False):
        self.data = np.array(data)
        self.requires_grad = requires_grad
        self.is_leaf = is_leaf
        self.grad_fn = None
        self.grad = None
        self.is_parameter = is_parameter

    def __str__(self):
        return "{}{}".format(str(self.data), ", grad_fn={}".format(
            self.grad_fn.__class__.__name__) if self.grad_fn is not None else "")

    def __repr__(self):
        return "tensor(" + self.__str__() + ")"

    @property
    def shape(self):
        return self.data.shape

    @staticmethod
    def zeros(*shape):
        return Tensor(np.zeros(shape))

    @staticmethod
    def ones(*shape):
        return Tensor(np.ones(shape))

    @staticmethod
    def arange(*interval):
        return Tensor(np.arange(*interval))

    @staticmethod
    def randn(*shape):
        return Tensor(np.random.normal(0, 1, shape))

    @staticmethod
    def empty(*shape):
        return Tensor(np.empty(shape))

    def fill_(self, fill_value):
        self.data.fill(fill_value)
        return self

    def copy(self):
        return Tensor(self.data)

    def backward(self):
        """Backpropagate from this tensor, seeding with ones of its shape."""
        autograd_engine.backward(grad_fn=self.grad_fn,
                                 grad_of_outputs=Tensor(np.ones(self.shape)))

    @staticmethod
    def _check(other, op):
        if not isinstance(other, Tensor):
            raise TypeError("{} only supports Tensors, got {}".format(op, type(other).__name__))
        return other

    def __add__(self, other):
        return F.Add.apply(self, self._check(other, "+"))

    def __sub__(self, other):
        return F.Sub.apply(self, self._check(other, "-"))

    def __mul__(self, other):
        return F.Mul.apply(self, self._check(other, "*"))

    def __truediv__(self, other):
        return F.Div.apply(self, self._check(other, "/"))

    def __matmul__(self, other):
        return F.MatMul.apply(self, self._check(other, "@"))

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
