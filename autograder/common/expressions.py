"""Computations written once and run on both libraries.

Each function takes ``ops`` (the library: MyTorch in the student process, PyTorch in the
grader) and tensors, and returns a dict of named tensors: ``"out"`` is the result, any other
entry is an intermediate whose ``.grad`` must stay None. Only operators shared by both
libraries are used (``+ - * / @ .reshape .log .exp .sum``); the rest goes through ``ops``
(``ops.transpose``: MyTorch designs have ``.T`` as a property or as a method ``T()``).
A layer or function of the student's package is reached with
``ops.find(mytorch="nn.activations.Tanh", torch="nn.Tanh")``: the student's object in the
student process, PyTorch's (a path in ``torch``, or a callable) in the grader.

Each computation uses only the operations given in the handout and those of the part it
grades (docs/grading-principle.md): Part 1.2's graphs use Add, Log, Reshape and Transpose,
never Sub, Neg, Pow or a Python number, so that they grade the engine and nothing else.

A new computation is one function here with ``@expression``; a test then names it in
``check_expression(student, "name", ...)``. Hidden checks register theirs the same way in
``autograder/hidden/expressions.py``, which never ships to students: ``lookup`` loads it
when it meets a name it does not know.
"""
from __future__ import annotations

import importlib
from typing import Callable, Dict

EXPRESSIONS: Dict[str, Callable] = {}
HIDDEN_MODULE = "autograder.hidden.expressions"


def expression(function: Callable) -> Callable:
    """Register ``function`` under its name."""
    EXPRESSIONS[function.__name__] = function
    return function


def lookup(name: str) -> Callable:
    """The computation called ``name``, from this file or the hidden tests' file."""
    if name not in EXPRESSIONS:
        try:
            importlib.import_module(HIDDEN_MODULE)
        except ModuleNotFoundError:
            pass
    if name not in EXPRESSIONS:
        raise KeyError(f"no expression named {name!r}")
    return EXPRESSIONS[name]


# Part 1.1 ------------------------------------------------------------------------------
@expression
def sub(ops, a, b):
    return {"out": a - b}


@expression
def mul(ops, a, b):
    return {"out": a * b}


@expression
def div(ops, a, b):
    return {"out": a / b}


@expression
def sub_scalars(ops, a):
    return {"out": (3.0 - a) - 0.5}


@expression
def mul_scalars(ops, a):
    return {"out": (2.0 * a) * -1.5}


@expression
def div_scalars(ops, a):
    return {"out": (2.0 / a) / 4.0}


@expression
def mul_self(ops, a):
    return {"out": a * a}


# Part 1.2: only the operations given in the handout (Add, Log, Reshape, Transpose) -------
@expression
def chain(ops, a, b):
    c = a + b
    d = c.log()
    return {"out": d + a, "c": c, "d": d}


@expression
def diamond(ops, a, b):
    c = a + b                  # a, b positive: every log below has a positive argument
    d = c.log()
    e = (c + d).log()
    f = d + e + c
    return {"out": f + ops.transpose(ops.transpose(f)), "c": c, "d": d, "e": e, "f": f}


@expression
def reuse(ops, a, b):
    c = a + a
    d = c + b + a
    e = d.reshape(-1).reshape(*d.shape)
    return {"out": e + c, "c": c, "d": d}


@expression
def constant_first(ops, a, b):
    c = b + a                  # b first: Add's two gradients differ (b is broadcast)
    return {"out": c.log() + a, "c": c}


@expression
def ladder(ops, a, b):
    x = a + b
    for _ in range(8):
        x = x + ops.transpose(ops.transpose(x))   # every step doubles the paths to the leaves
    return {"out": x.log()}


# Part 2 --------------------------------------------------------------------------------
@expression
def relu(ops, a):
    return {"out": ops.relu(a)}


@expression
def relu_twice(ops, a, b):
    c = ops.relu(a) + b
    return {"out": ops.relu(c) + ops.transpose(ops.transpose(a)), "c": c}


@expression
def cross_entropy(ops, logits, target):
    return {"out": ops.cross_entropy(logits, target)}


# Part 2.4: Sum over each axis, with and without keepdims (BatchNorm only sums over axis 0).
# Only Add and Reshape around it: every sum's gradient is a different, non-uniform array.
@expression
def sums(ops, a):
    total = a.sum()
    rows = a.sum(0)
    columns = a.sum(1)
    kept = a.sum(1, True)
    out = rows.reshape(1, -1) + columns.reshape(-1, 1) + kept + total
    return {"out": out, "total": total, "rows": rows, "columns": columns, "kept": kept}


# Parts 2.1 and 2.5: MatMul and Exp on their own (layers written as one fused Function do not
# use them, but a student's graph-built layers do) -------------------------------------------
@expression
def matmul(ops, a, b):
    return {"out": a @ b}


@expression
def exp(ops, a):
    return {"out": a.exp()}


# Part 5, the extension track: layers reached through ops.find ---------------------------
def _layer(ops, mytorch: str, torch, *args):
    """A new layer of the student's package, or PyTorch's equivalent."""
    return ops.find(mytorch=f"nn.{mytorch}", torch=torch)(*args)


@expression
def tanh(ops, a):
    return {"out": _layer(ops, "activations.Tanh", "nn.Tanh")(a)}


@expression
def sigmoid(ops, a):
    return {"out": _layer(ops, "activations.Sigmoid", "nn.Sigmoid")(a)}


@expression
def sigmoid_of_sum(ops, a, b):
    """Sigmoid inside a graph (Add is given): the backward must use grad_output."""
    c = a + b
    return {"out": _layer(ops, "activations.Sigmoid", "nn.Sigmoid")(c), "c": c}


@expression
def tanh_of_sum(ops, a, b):
    c = a + b
    return {"out": _layer(ops, "activations.Tanh", "nn.Tanh")(c), "c": c}


@expression
def leaky_relu(ops, a):
    """The default slope (0.01) and another one, added (Add is given)."""
    default = _layer(ops, "activations.LeakyReLU", "nn.LeakyReLU")(a)
    steep = _layer(ops, "activations.LeakyReLU", "nn.LeakyReLU", 0.2)(a)
    return {"out": default + steep, "default": default, "steep": steep}


@expression
def gelu(ops, a):
    return {"out": _layer(ops, "activations.GELU", "nn.GELU")(a)}


@expression
def mse(ops, predicted, target):
    return {"out": _layer(ops, "loss.MSELoss", "nn.MSELoss")(predicted, target)}


def _torch_l1(parameters, strength):
    """The L1 penalty with PyTorch's Tensor methods (PyTorch has no such function)."""
    return strength * sum(p.abs().sum() for p in parameters)


@expression
def l1_penalty(ops, a, b):
    penalty = ops.find(mytorch="nn.functional.l1_penalty", torch=_torch_l1)([a, b], 0.01)
    return {"out": penalty}


# Part 5.9: a leaf on its own (its graph is one node) -----------------------------------
@expression
def leaf(ops, a):
    return {"out": a}
