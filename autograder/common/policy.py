"""The forbidden-module policy: libraries a MyTorch submission may not import.

Read by the student process (which makes them unimportable) and by the static scan of a
hand-in (``autograder.grader.import_scan``, on every grading path), so both enforce the same
list. Autodiff and machine-learning libraries only: they would do the student's work.
Scientific and array helpers such as scipy are allowed to be imported, although the assignment
needs none.
"""
from __future__ import annotations

FORBIDDEN_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "autograd", "mxnet", "paddle",
                     "chainer", "theano", "tinygrad", "micrograd", "minitorch", "needle",
                     "keras", "sklearn")


def is_forbidden(module: str) -> bool:
    """Whether ``module`` ('torch.nn', 'jax') belongs to a forbidden library."""
    return module.split(".")[0] in FORBIDDEN_MODULES
