"""Reverse-mode automatic differentiation.

Every operation is a ``Function`` with a ``forward`` and a ``backward``. Calling
``SomeFunction.apply(*inputs)`` runs the forward and records a ``BackwardFunction`` node whose
``next_functions`` point to where each input's gradient must go:

    input kind                               next function
    leaf with requires_grad=True             AccumulateGrad(input)   (stores input.grad)
    non-leaf (output of another Function)    input.grad_fn
    constant (requires_grad=False)           None

``backward(grad_fn, grad_of_outputs)`` walks these nodes from the output towards the leaves.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Union

import numpy as np

from mytorch import tensor

Node = Union["BackwardFunction", "AccumulateGrad"]

_grad_enabled = True


def is_grad_enabled() -> bool:
    """False inside ``with no_grad():``, where Function.apply records no graph."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """``with no_grad():`` runs operations without recording the graph, as ``torch.no_grad``.

    Their outputs are constants (``requires_grad=False``), so nothing is kept for a backward
    that will not come: use it to evaluate a model, as ``validate`` does.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


class ContextManager:
    """Scratch space shared by one call of ``forward`` and the matching ``backward``.

    Use ``ctx.save_for_backward(a, b)`` for tensors and plain attributes (``ctx.axis = 1``)
    for anything else.
    """

    def __init__(self) -> None:
        self.saved_tensors: List[tensor.Tensor] = []

    def save_for_backward(self, *tensors: tensor.Tensor) -> None:
        for t in tensors:
            if not isinstance(t, tensor.Tensor):
                raise TypeError(f"save_for_backward takes Tensors, got {type(t).__name__}; "
                                "store other values as attributes of ctx instead.")
        self.saved_tensors.extend(tensors)


class AccumulateGrad:
    """The graph node of a leaf that requires grad: adds incoming gradients to ``leaf.grad``."""

    def __init__(self, leaf: tensor.Tensor) -> None:
        self.variable = leaf
        self.next_functions: List[Optional[Node]] = []   # a leaf has no parents
        self.function_name = "AccumulateGrad"

    def apply(self, grad: np.ndarray) -> None:
        """``leaf.grad += grad`` (creating it on first use). ``grad`` has the leaf's shape.

        ``leaf.grad`` has the leaf's dtype. A floating-point gradient of another dtype is
        converted to it, as PyTorch's engine does: a float32 parameter used with float64
        tensors (numpy promotes the results to float64) gets a float32 gradient. Any other
        gradient (integers, booleans: a mask returned instead of a gradient) is an error.
        """
        if grad.shape != self.variable.shape:
            raise ValueError(f"gradient of shape {grad.shape} reached a leaf of shape "
                             f"{self.variable.shape}: the backward of the Function that used "
                             "this leaf returned a gradient of the wrong shape")
        dtype = self.variable.data.dtype
        if grad.dtype != dtype and not (grad.dtype.kind == "f" and dtype.kind == "f"):
            raise TypeError(f"gradient of dtype {grad.dtype} reached a leaf of dtype {dtype}: "
                            "the backward of the Function that used this leaf returned "
                            "something other than a floating-point gradient")
        if self.variable.grad is None:
            self.variable.grad = tensor.Tensor(np.array(grad, dtype=dtype))
        else:
            self.variable.grad.data = self.variable.grad.data + grad.astype(dtype, copy=False)


class BackwardFunction:
    """The graph node recorded for one call of a Function (the output's ``grad_fn``)."""

    def __init__(self, function_cls: type) -> None:
        self.ctx = ContextManager()
        self._forward_cls = function_cls
        self.next_functions: List[Optional[Node]] = []   # one entry per input of forward
        self.function_name = function_cls.__name__

    def apply(self, grad_output: np.ndarray) -> tuple:
        """Gradients with respect to each input of the forward call (None for non-tensors)."""
        return self._forward_cls.backward(self.ctx, grad_output)


class Function:
    """Base class of every differentiable operation.

    Subclasses implement two static methods:
      forward(ctx, *inputs) -> Tensor        compute the output from Tensors (and options)
      backward(ctx, grad_output) -> tuple    grad_output: np.ndarray shaped like the output;
                                             returns one np.ndarray (or None) per input
    and are called through ``apply``, never directly.
    """

    @staticmethod
    def forward(ctx: ContextManager, *args: Any) -> tensor.Tensor:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> tensor.Tensor:
        """Run ``forward`` and link its output into the graph.

        For each argument, append its next function (AccumulateGrad, its grad_fn, or None) to
        the new BackwardFunction's ``next_functions``; non-Tensor arguments (shapes, axes)
        get None too. The output requires grad if any input does; it is then a non-leaf
        whose ``grad_fn`` is the new node.
        """
        if not _grad_enabled:                        # inside no_grad(): no graph
            return cls.forward(ContextManager(), *args)
        ### BEGIN SOLUTION
        node = BackwardFunction(cls)
        requires_grad = False
        for arg in args:
            if isinstance(arg, tensor.Tensor) and arg.requires_grad:
                requires_grad = True
                node.next_functions.append(AccumulateGrad(arg) if arg.is_leaf else arg.grad_fn)
            else:
                node.next_functions.append(None)

        output = cls.forward(node.ctx, *args)
        output.requires_grad = requires_grad
        output.is_leaf = not requires_grad
        if requires_grad:
            output.grad_fn = node
        return output
        ### END SOLUTION


def backward(grad_fn: Optional[Node], grad_of_outputs: np.ndarray) -> None:
    """Propagate ``grad_of_outputs`` from ``grad_fn`` back to every leaf that requires grad.

    A node can be reached along several paths (``y = a * a``, or a tensor used by two
    layers); its gradient is the *sum* over those paths. Visiting the nodes in reverse
    topological order lets each node collect all of its incoming gradient before it passes
    anything on, so each node runs its backward exactly once.

    Args:
        grad_fn: the node that produced the tensor we differentiate (None: nothing to do).
        grad_of_outputs: dL/d(output), shaped like that tensor.
    """
    ### BEGIN SOLUTION
    if grad_fn is None:
        return
    if isinstance(grad_fn, AccumulateGrad):
        grad_fn.apply(grad_of_outputs)
        return

    # Depth-first post-order gives a topological order (parents after children when
    # reversed). Only BackwardFunctions need a place in it: a leaf's AccumulateGrad just adds
    # to .grad, and a sum does not depend on the order of its terms, so each gradient that
    # reaches a leaf is added as soon as it arrives.
    order: List[BackwardFunction] = []
    visited = set()
    stack = [(grad_fn, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node.next_functions:
            if isinstance(parent, BackwardFunction) and parent not in visited:
                stack.append((parent, False))

    grads = {grad_fn: grad_of_outputs}         # pending gradient of each node, summed
    for node in reversed(order):
        grad = grads.pop(node, None)
        if grad is None:
            continue
        for parent, g in zip(node.next_functions, node.apply(grad)):
            if parent is None or g is None:
                continue
            if isinstance(parent, AccumulateGrad):
                parent.apply(g)
            else:
                grads[parent] = grads[parent] + g if parent in grads else g
    ### END SOLUTION
