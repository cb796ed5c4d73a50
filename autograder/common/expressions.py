"""Computations written once and run on both libraries.

Each function takes ``ops`` (the library: MyTorch in the student process, PyTorch in the
grader) and tensors, and returns a dict of named tensors: ``"out"`` is the result, any other
entry is an intermediate whose ``.grad`` must stay None. Only operators shared by both
libraries are used (``+ - * / @ .reshape .log .exp .sum``); the rest goes through ``ops``
(``ops.transpose``: MyTorch designs have ``.T`` as a property or as a method ``T()``).

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
    return {"out": ops.relu(c) + ops.relu(ops.transpose(ops.transpose(a))), "c": c}


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
