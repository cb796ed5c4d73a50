"""The Tensor: a numpy array plus what autograd needs to know about it.

A tensor is a node of the computation graph. Three kinds matter to backward():
- a *leaf that requires grad* (a parameter, or an input you want ``.grad`` for);
- a *non-leaf*: the output of an operation on something that requires grad, with ``grad_fn``;
- a *constant*: ``requires_grad=False``; gradients never flow into it.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from mytorch import autograd_engine
import mytorch.nn.functional as F

Scalar = Union[int, float]


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Args:
        data: the values, stored as a numpy array: numbers and lists become float64, and so
            do arrays of other float types (float32 images, say), so that every computation
            runs in float64 and converts its inputs once, here. Integer and boolean arrays
            (class labels, masks) are kept as they are.
        requires_grad: whether gradients should flow back to this tensor.
        is_leaf: True for tensors created by the user, False for outputs of operations.
        is_parameter: True for trainable weights (always leaves that require grad).
    """

    def __init__(self, data, requires_grad: bool = False, is_leaf: bool = True,
                 is_parameter: bool = False) -> None:
        if not isinstance(data, np.ndarray):
            data = np.array(data, dtype=np.float64)
        elif data.dtype.kind == "f" and data.dtype != np.float64:
            data = data.astype(np.float64)
        self.data: np.ndarray = data
        self.requires_grad = requires_grad
        self.is_leaf = is_leaf
        self.is_parameter = is_parameter
        self.grad_fn = None             # BackwardFunction for non-leaves, None otherwise
        self.grad: Optional[Tensor] = None

    # ------------------------------------------------------------------ builders
    @staticmethod
    def zeros(*shape: int) -> Tensor:
        """A constant tensor of zeros with the given shape."""
        return Tensor(np.zeros(shape))

    @staticmethod
    def ones(*shape: int) -> Tensor:
        """A constant tensor of ones with the given shape."""
        return Tensor(np.ones(shape))

    @staticmethod
    def arange(*interval: Scalar) -> Tensor:
        """A constant 1-d tensor, as ``np.arange(*interval)``."""
        return Tensor(np.arange(*interval, dtype=np.float64))

    @staticmethod
    def randn(*shape: int) -> Tensor:
        """A constant tensor of standard-normal samples with the given shape."""
        return Tensor(np.random.normal(0.0, 1.0, shape))

    @staticmethod
    def empty(*shape: int) -> Tensor:
        """A constant tensor with the given shape and unspecified values."""
        return Tensor(np.empty(shape))

    # ------------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple:
        return self.data.shape

    def __repr__(self) -> str:
        flags = []
        if self.requires_grad:
            flags.append("requires_grad=True")
        if self.grad_fn is not None:
            flags.append(f"grad_fn={self.grad_fn.function_name}")
        return f"Tensor({self.data}{', ' if flags else ''}{', '.join(flags)})"

    def fill_(self, value: Scalar) -> Tensor:
        """Fill the data with ``value`` in place."""
        self.data.fill(value)
        return self

    def copy(self) -> Tensor:
        """A constant tensor holding a copy of the data (no graph history)."""
        return Tensor(self.data.copy())

    def backward(self) -> None:
        """Backpropagate from this tensor, seeding the traversal with a gradient of ones.

        After the call every leaf that requires grad and that this tensor depends on holds
        ``d(sum of this tensor) / d(leaf)`` in ``.grad`` (added to what was there before).
        """
        ### BEGIN SOLUTION
        autograd_engine.backward(self.grad_fn, np.ones_like(self.data))
        ### END SOLUTION

    # ------------------------------------------------------------------ operators
    # Each operator hands its work to a Function in mytorch/nn/functional.py; Function.apply
    # builds the graph. Python numbers are wrapped as constant tensors first.
    def __add__(self, other) -> Tensor:
        return F.Add.apply(self, as_tensor(other))

    def __radd__(self, other) -> Tensor:
        return F.Add.apply(as_tensor(other), self)

    def __neg__(self) -> Tensor:
        return F.Neg.apply(self)

    def __sub__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Sub.apply(self, as_tensor(other))
        ### END SOLUTION

    def __rsub__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Sub.apply(as_tensor(other), self)
        ### END SOLUTION

    def __mul__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Mul.apply(self, as_tensor(other))
        ### END SOLUTION

    def __rmul__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Mul.apply(as_tensor(other), self)
        ### END SOLUTION

    def __truediv__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Div.apply(self, as_tensor(other))
        ### END SOLUTION

    def __rtruediv__(self, other) -> Tensor:
        ### BEGIN SOLUTION
        return F.Div.apply(as_tensor(other), self)
        ### END SOLUTION

    def __matmul__(self, other) -> Tensor:
        return F.MatMul.apply(self, other)

    def __pow__(self, exponent: Scalar) -> Tensor:
        return F.Pow.apply(self, exponent)

    @property
    def T(self) -> Tensor:
        """The transpose of a 2-d tensor."""
        return F.Transpose.apply(self)

    def reshape(self, *shape: int) -> Tensor:
        return F.Reshape.apply(self, shape)

    def log(self) -> Tensor:
        return F.Log.apply(self)

    def exp(self) -> Tensor:
        return F.Exp.apply(self)

    def sum(self, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
        return F.Sum.apply(self, axis, keepdims)


def as_tensor(value) -> Tensor:
    """Return ``value`` itself if it is a Tensor, else a constant Tensor holding it."""
    return value if isinstance(value, Tensor) else Tensor(value)
