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

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype of new floating-point tensors, as ``torch.set_default_dtype``.

    It applies to Python numbers and lists given to ``Tensor``, to the builders (``zeros``,
    ``randn``, ...) and to the parameters layers create. ``dtype``: np.float32 (the
    default) or np.float64.
    """
    global _default_dtype
    chosen = np.dtype(dtype)
    if chosen not in (np.float32, np.float64):
        raise TypeError(f"the default dtype must be float32 or float64, got {chosen}")
    _default_dtype = chosen


def get_default_dtype() -> np.dtype:
    """The dtype of new floating-point tensors (float32 unless set_default_dtype changed it)."""
    return _default_dtype


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Args:
        data: the values, stored as a numpy array. A numpy array keeps its dtype (float32
            images stay float32, float64 stays float64, integer class labels stay integers);
            Python numbers and lists become the default dtype (``get_default_dtype()``,
            float32 unless changed). Operations follow numpy's type promotion: float32 with
            float64 gives float64.
        requires_grad: whether gradients should flow back to this tensor.
        is_leaf: True for tensors created by the user, False for outputs of operations.
        is_parameter: True for trainable weights (always leaves that require grad).
    """

    def __init__(self, data, requires_grad: bool = False, is_leaf: bool = True,
                 is_parameter: bool = False) -> None:
        if isinstance(data, np.generic):
            data = np.asarray(data)
        elif not isinstance(data, np.ndarray):
            data = np.array(data, dtype=_default_dtype)
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
        return Tensor(np.zeros(shape, dtype=_default_dtype))

    @staticmethod
    def ones(*shape: int) -> Tensor:
        """A constant tensor of ones with the given shape."""
        return Tensor(np.ones(shape, dtype=_default_dtype))

    @staticmethod
    def arange(*interval: Scalar) -> Tensor:
        """A constant 1-d tensor, as ``np.arange(*interval)``."""
        return Tensor(np.arange(*interval, dtype=_default_dtype))

    @staticmethod
    def randn(*shape: int) -> Tensor:
        """A constant tensor of standard-normal samples with the given shape."""
        return Tensor(np.random.normal(0.0, 1.0, shape).astype(_default_dtype))

    @staticmethod
    def empty(*shape: int) -> Tensor:
        """A constant tensor with the given shape and unspecified values."""
        return Tensor(np.empty(shape, dtype=_default_dtype))

    # ------------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the data (float32, float64, int64 for labels, ...)."""
        return self.data.dtype

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
        ``d(sum of this tensor) / d(leaf)`` in ``.grad`` (added to what was there before), in
        the leaf's dtype.
        """
        # TODO: Part 1.2 - implement Tensor.backward.
        raise NotImplementedError("Tensor.backward (Part 1.2)")

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
        # TODO: Part 1.1 - implement Tensor.__sub__.
        raise NotImplementedError("Tensor.__sub__ (Part 1.1)")

    def __rsub__(self, other) -> Tensor:
        # TODO: Part 1.1 - implement Tensor.__rsub__.
        raise NotImplementedError("Tensor.__rsub__ (Part 1.1)")

    def __mul__(self, other) -> Tensor:
        # TODO: Part 1.1 - implement Tensor.__mul__.
        raise NotImplementedError("Tensor.__mul__ (Part 1.1)")

    def __rmul__(self, other) -> Tensor:
        # TODO: Part 1.1 - implement Tensor.__rmul__.
        raise NotImplementedError("Tensor.__rmul__ (Part 1.1)")

    def __truediv__(self, other) -> Tensor:
        # TODO: Part 1.1 - implement Tensor.__truediv__.
        raise NotImplementedError("Tensor.__truediv__ (Part 1.1)")

    def __rtruediv__(self, other) -> Tensor:
        # TODO: Part 1.1 - implement Tensor.__rtruediv__.
        raise NotImplementedError("Tensor.__rtruediv__ (Part 1.1)")

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
