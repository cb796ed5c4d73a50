"""The one way the grader compares a student's result with the reference.

Every failed comparison raises ``GradingFailure`` with a message a student can act on: what
was checked, on what input, expected vs got (first mismatches, max errors), and a hint.

Tolerances: everything runs in float64 on inputs of magnitude ~1, where a correct
implementation differs from PyTorch only by rounding (relative differences around 1e-15,
growing with the number of terms summed). RTOL = 1e-6 leaves eight orders of magnitude for
legitimately different but stable formulas (a fused BatchNorm backward, another log-softmax)
while any real mistake (a missing term, a wrong sign, a wrong mean) is off by far more.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

RTOL = 1e-6
ATOL = 1e-8
SHOW_MISMATCHES = 3


class GradingFailure(AssertionError):
    """A check failed; ``str(self)`` is the feedback shown to the student."""


def fail(what: str, detail: str, context: str = "", hint: str = "") -> None:
    lines = [what]
    if context:
        lines.append(f"  on: {context}")
    lines.extend("  " + line for line in detail.splitlines())
    if hint:
        lines.append(f"  hint: {hint}")
    raise GradingFailure("\n".join(lines))


def describe(array) -> str:
    """'shape (3, 4)' plus the values themselves when they are few enough to read."""
    array = np.asarray(array)
    if array.size <= 6:
        return f"shape {array.shape} {np.array2string(array, precision=4, separator=', ')}"
    return f"shape {array.shape}"


def check_close(got, expected, *, what: str, context: str = "", hint: str = "",
                rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless ``got`` has the shape of ``expected`` and matches it within tolerance."""
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        fail(what, f"expected {describe(expected)}, got None", context, hint)
    got = np.asarray(got)
    if got.shape != expected.shape:
        fail(what, f"expected shape {expected.shape}, got shape {got.shape}", context,
             hint or _shape_hint(got.shape, expected.shape))
    got = got.astype(np.float64)
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return
    indices = [tuple(int(i) for i in index) for index in np.argwhere(bad)] if bad.ndim else [()]
    lines = []
    for index in indices[:SHOW_MISMATCHES]:
        where = f"at index {index}: " if index else ""
        lines.append(f"{where}expected {expected[index]:.8g}, got {got[index]:.8g}")
    finite = np.isfinite(got)
    abs_error = np.abs(got - expected)[finite]
    max_abs = abs_error.max() if abs_error.size else np.inf
    max_rel = (abs_error / np.maximum(np.abs(expected[finite]), 1e-12)).max() if abs_error.size else np.inf
    lines.append(f"{int(bad.sum())} of {bad.size} values differ; max abs error {max_abs:.3g}, "
                 f"max rel error {max_rel:.3g}"
                 + ("" if finite.all() else f"; {int((~finite).sum())} values are nan or inf"))
    fail(what, "\n".join(lines), context, hint or value_hint(got, expected))


def check_equal(got, expected, *, what: str, context: str = "", hint: str = "") -> None:
    """Fail unless ``got == expected`` (flags, types, counts)."""
    if got != expected:
        fail(what, f"expected {expected!r}, got {got!r}", context, hint)


def _shape_hint(got: tuple, expected: tuple) -> str:
    try:
        broadcast = np.broadcast_shapes(got, expected)
    except ValueError:
        return ""
    if broadcast == got and got != expected:
        return ("the gradient still has the broadcast shape; sum it back to the input's shape "
                "(see unbroadcast in functional.py).")
    return ""


def value_hint(got: np.ndarray, expected: np.ndarray) -> str:
    """Recognise a few tell-tale relations between a wrong answer and the right one."""
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return "your result has nan or inf where the reference is finite (overflow? division by 0?)."
    if np.allclose(got, -expected, rtol=RTOL, atol=ATOL):
        return "your result has the opposite sign everywhere."
    if np.allclose(got, 2 * expected, rtol=RTOL, atol=ATOL):
        return "your result is exactly twice the reference (a gradient counted twice?)."
    if np.allclose(2 * got, expected, rtol=RTOL, atol=ATOL):
        return "your result is exactly half the reference (one of two paths dropped?)."
    if np.allclose(got, 0.0) and not np.allclose(expected, 0.0):
        return "your result is all zeros."
    return ""


def context_of(**inputs) -> str:
    """'a shape (3, 4), b shape (4,)' for the feedback's 'on:' line."""
    return ", ".join(f"{name} {describe(value)}" for name, value in inputs.items())
