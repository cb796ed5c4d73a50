"""Computations used only by hidden tests (registered like those in common/expressions.py).

This file never ships to students, so what a hidden check computes stays private.
"""
from autograder.common.expressions import expression


@expression
def relu_of_sum(ops, a, b):
    """ReLU applied to a non-leaf: its gradient must flow on through the given Add."""
    c = a + b
    return {"out": ops.relu(c), "c": c}
