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

from typing import Dict, List, Optional

import numpy as np

from autograder.grader.hints import HINTS, shape_mismatch

RTOL = 1e-6
ATOL = 1e-8
SHOW_MISMATCHES = 3
SHOW_VALUES = 6          # inputs with at most this many values are printed in full


class GradingFailure(AssertionError):
    """A check failed; ``str(self)`` is the feedback shown to the student."""


def fail(what: str, detail: str, context: str = "", hint: str = "") -> None:
    """Raise the feedback: what was checked, on what input, the detail, then the hints."""
    lines = [what]
    if context:
        lines.append(f"  on: {context}")
    lines.extend("  " + line for line in detail.splitlines())
    lines.extend(f"  hint: {line}" for line in hint.splitlines() if line)
    raise GradingFailure("\n".join(lines))


def describe(array) -> str:
    """'shape (2, 2) [[1, 2], [3, 4]]' when few enough to read, else the shape and the range."""
    array = np.asarray(array)
    if array.size <= SHOW_VALUES:
        values = np.array2string(array, precision=4, separator=", ").replace("\n", "")
        return f"shape {array.shape} {values}"
    if array.dtype.kind in "iufb":
        finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
        if finite.size:
            return f"shape {array.shape}, values in [{finite.min():.4g}, {finite.max():.4g}]"
    return f"shape {array.shape}"


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """``grad`` summed over the axes that broadcasting added or stretched to reach its shape."""
    grad = np.asarray(grad)
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad
    stretched = [extra + i for i, size in enumerate(shape)
                 if size == 1 and grad.shape[extra + i] != 1]
    return grad.sum(axis=tuple(range(extra)) + tuple(stretched)).reshape(shape)


def check_close(got, expected, *, what: str, context: str = "", hint: str = "",
                mistakes: Optional[Dict[str, np.ndarray]] = None,
                rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless ``got`` has the shape of ``expected`` and matches it within tolerance.

    ``mistakes`` maps the description of a known mistake to the answer that mistake gives;
    when ``got`` equals one of them, the feedback names that mistake (and only it). Otherwise
    it gives what the data suggests (value_hint, shape_hint), then the check's ``hint``.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        fail(what, f"expected {describe(expected)}, got None", context, hint)
    got = np.asarray(got)
    if got.dtype.kind not in "iufb":
        fail(what, f"expected numbers, got values of type {got.dtype}", context, hint)
    got = got.astype(np.float64)
    if got.shape != expected.shape:
        if hint == HINTS["unbroadcast"] and got.size <= expected.size:
            hint = ""                   # the check's unbroadcast hint points the wrong way
        fail(what, f"expected shape {expected.shape}, got shape {got.shape}", context,
             known_mistake(got, mistakes) or _hints(shape_hint(got, expected, "gradient" in what),
                                                    hint))
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return
    fail(what, mismatch_report(got, expected, bad), context,
         known_mistake(got, mistakes) or _hints(value_hint(got, expected), hint))


def mismatch_report(got: np.ndarray, expected: np.ndarray, bad: np.ndarray) -> str:
    """The first mismatching entries, then how many differ and by how much."""
    indices = [tuple(int(i) for i in index) for index in np.argwhere(bad)] if bad.ndim else [()]
    lines = []
    for index in indices[:SHOW_MISMATCHES]:
        where = f"at index {index}: " if index else ""
        lines.append(f"{where}expected {expected[index]:.8g}, got {got[index]:.8g}")
    summary = f"{int(bad.sum())} of {bad.size} values differ"
    both_finite = bad & np.isfinite(got) & np.isfinite(expected)
    if both_finite.any():
        abs_error = np.abs(got - expected)[both_finite]
        rel_error = abs_error / np.maximum(np.abs(expected[both_finite]), 1e-12)
        label = "" if both_finite.sum() == bad.sum() else " (among the finite ones)"
        summary += (f"; max abs error{label} {abs_error.max():.3g}, "
                    f"max rel error {rel_error.max():.3g}")
    n_nan, n_inf = int(np.isnan(got).sum()), int(np.isinf(got).sum())
    if n_nan or n_inf:
        counts = [f"{n} {kind}" for n, kind in ((n_nan, "nan"), (n_inf, "inf")) if n]
        summary += f"; yours has {' and '.join(counts)}"
    lines.append(summary)
    return "\n".join(lines)


def _hints(specific: str, general: str) -> str:
    """The hint the data points to, then the check's general hint (each once)."""
    return "\n".join(h for h in dict.fromkeys((specific, general)) if h)


def check_equal(got, expected, *, what: str, context: str = "", hint: str = "") -> None:
    """Fail unless ``got == expected`` (flags, types, counts)."""
    if got != expected:
        fail(what, f"expected {expected!r}, got {got!r}", context, hint)


def known_mistake(got: np.ndarray, mistakes: Optional[Dict[str, np.ndarray]]) -> str:
    """The description of the first known mistake whose answer ``got`` equals, or ''."""
    for description, answer in (mistakes or {}).items():
        answer = np.asarray(answer, dtype=np.float64)
        if answer.shape == got.shape and np.allclose(got, answer, rtol=RTOL, atol=ATOL):
            return f"your result matches a known mistake: {description}"
    return ""


def shape_hint(got: np.ndarray, expected: np.ndarray, gradient: bool = True) -> str:
    """Recognise a transposed result or a gradient left in the broadcast shape; otherwise
    say which way the shape is off (hints.shape_mismatch). A value that is not a gradient
    (``gradient`` False: an output, a running statistic) gets no advice about unbroadcast."""
    if got.ndim == 2 and got.shape == expected.shape[::-1] and np.allclose(got.T, expected):
        return ("your result is the transpose of the right one: check the layout "
                "(Linear.weight is (out_features, in_features)) and the order in a matmul.")
    try:
        broadcast = np.broadcast_shapes(got.shape, expected.shape)
    except ValueError:
        broadcast = None
    general = shape_mismatch(got.shape, expected.shape)
    if not gradient and (broadcast == got.shape or general == HINTS["shape_larger"]):
        return (f"your result has shape {got.shape} where {expected.shape} is due: a sum or "
                "mean over the wrong axis, or one left out?")
    if broadcast != got.shape:
        return general
    summed = sum_to_shape(got, expected.shape)
    if summed.shape == expected.shape and np.allclose(summed, expected, rtol=RTOL, atol=ATOL):
        return ("your gradient has the right values but still has the broadcast shape "
                f"{got.shape}; sum it back to the input's shape {expected.shape} "
                "(unbroadcast in functional.py).")
    return (f"the gradient still has the broadcast shape {got.shape}; sum it back to the "
            f"input's shape {expected.shape} (see unbroadcast in functional.py).")


def value_hint(got: np.ndarray, expected: np.ndarray) -> str:
    """Recognise a few tell-tale relations between a wrong answer and the right one."""
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return ("your result has nan or inf where the reference is finite: an overflow "
                "(exp of a large number?), a log of 0, or a division by 0.")
    if np.allclose(got, 0.0) and not np.allclose(expected, 0.0):
        return "your result is all zeros (did the gradient reach this tensor?)."
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, expected):
        return "your result is the transpose of the right one (a weight layout or matmul order?)."
    ratio = _constant_ratio(got, expected)
    if ratio is not None:
        return _ratio_hint(ratio)
    return ""


def _constant_ratio(got: np.ndarray, expected: np.ndarray) -> Optional[float]:
    """c when got == c * expected everywhere (c != 1), else None; None for a single number,
    which any wrong value is a multiple of (a scalar loss)."""
    nonzero = np.abs(expected) > 1e-9
    if nonzero.sum() < 2:
        return None
    ratio = float(np.median(got[nonzero] / expected[nonzero]))
    if abs(ratio - 1.0) < 1e-6 or not np.isfinite(ratio):
        return None
    return ratio if np.allclose(got, ratio * expected, rtol=RTOL, atol=ATOL) else None


def _ratio_hint(ratio: float) -> str:
    if np.isclose(ratio, -1.0):
        return "your result has the opposite sign everywhere (a sign in a derivative or an update?)."
    if np.isclose(ratio, 2.0):
        return "your result is exactly twice the reference (a gradient counted twice?)."
    if np.isclose(ratio, 0.5):
        return "your result is exactly half the reference (one of two paths dropped?)."
    whole = round(ratio)
    if whole >= 2 and np.isclose(ratio, whole):
        return (f"your result is exactly {whole} times the reference "
                "(a sum where a mean belongs, e.g. over the batch?).")
    if ratio > 0 and np.isclose(1 / ratio, round(1 / ratio)):
        return (f"your result is exactly 1/{round(1 / ratio)} of the reference "
                "(a mean where a sum belongs, or divided twice?).")
    return f"your result is the reference times {ratio:.6g} everywhere (a constant factor is off)."


def context_of(**inputs) -> str:
    """'a shape (3, 4), b shape (4,)' for the feedback's 'on:' line."""
    return ", ".join(f"{name} {describe(value)}" for name, value in inputs.items())
