"""Which of the student's Functions produced a gradient of the wrong shape.

The given ``AccumulateGrad.apply`` refuses a gradient whose shape is not its leaf's, but the
mistake is in the backward that returned that gradient, not in the given code. The frames of
the traceback still hold the graph: the engine frame that called ``AccumulateGrad.apply`` has
the node whose ``next_functions`` hold that AccumulateGrad, and the node (the given
``BackwardFunction``) knows its Function class.
"""
from __future__ import annotations

import inspect
import os
from types import TracebackType
from typing import Optional

import numpy as np

from autograder.common.compat import qualified_name


def wrong_shape(error: BaseException, target: str) -> Optional[dict]:
    """{"function", "file", "line", "grad_shape", "input_shape"} when ``error`` was raised by
    AccumulateGrad.apply on a gradient of another shape than its leaf's; None otherwise."""
    frames = _frames(error.__traceback__)
    for depth, frame in enumerate(frames):
        accumulate = frame.f_locals.get("self")
        if type(accumulate).__name__ != "AccumulateGrad":
            continue
        shapes = _shapes(frame, accumulate)
        if shapes is None:
            return None
        grad = frame.f_locals.get(frame.f_code.co_varnames[1])
        for caller in reversed(frames[:depth]):
            node = _node_linking(caller.f_locals.values(), accumulate)
            if node is not None:
                routed = _routed_from(caller.f_locals.values(), grad, node, accumulate)
                if routed is not None:
                    return {**_engine_of(caller, target), **routed, **shapes}
                return {**_backward_of(node, target), **shapes}
        return None
    return None


def _routed_from(values, grad, node, accumulate) -> Optional[dict]:
    """When the engine handed this leaf the gradient that ``node``'s backward returned for
    ANOTHER input (gradients paired with the inputs by position among those requiring
    grad): {"routed": [that input's index, this leaf's index], "node": its Function}."""
    nexts = list(node.next_functions)
    mine = next(i for i, n in enumerate(nexts) if n is accumulate)
    for value in values:
        if isinstance(value, (list, tuple)) and len(value) == len(nexts) and \
                value is not nexts and any(g is grad for g in value):
            given = next(i for i, g in enumerate(value) if g is grad)
            if given != mine:
                function_cls = getattr(node, "_forward_cls", None)
                return {"routed": [given, mine],
                        "node": getattr(function_cls, "__name__", type(node).__name__)}
    return None


def _students_file(filename: str, target: str) -> str:
    """``filename`` relative to the target when it is one of the student's files, else ""."""
    path, target = os.path.realpath(filename), os.path.realpath(target)
    return os.path.relpath(path, target) if path.startswith(target + os.sep) else ""


def _engine_of(frame, target: str) -> dict:
    """The engine function running in ``frame``: its name, and its file:line when the student's."""
    file = _students_file(frame.f_code.co_filename, target)
    return {"function": qualified_name(frame), "file": file,
            "line": frame.f_code.co_firstlineno if file else 0}


def _frames(tb: Optional[TracebackType]) -> list:
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _shape(value) -> Optional[tuple]:
    try:
        return tuple(np.shape(getattr(value, "data", value)))
    except Exception:   # noqa: BLE001 - an object numpy cannot read: no shape to tell
        return None


def _shapes(frame, accumulate) -> Optional[dict]:
    """The shapes of the gradient AccumulateGrad.apply received and of its leaf, if they differ."""
    code = frame.f_code
    if code.co_argcount < 2:
        return None
    grad_shape = _shape(frame.f_locals.get(code.co_varnames[1]))
    input_shape = _shape(getattr(accumulate, "variable", None))
    if grad_shape is None or input_shape is None or grad_shape == input_shape:
        return None
    return {"grad_shape": list(grad_shape), "input_shape": list(input_shape)}


def _node_linking(values, accumulate):
    """The graph node among ``values`` whose next_functions hold ``accumulate``."""
    for value in values:
        nexts = getattr(value, "next_functions", None)
        if value is not accumulate and isinstance(nexts, (list, tuple)) \
                and any(n is accumulate for n in nexts):
            return value
    return None


def _backward_of(node, target: str) -> dict:
    """The Function's backward: qualified name, and its file:line when it is the student's."""
    function_cls = getattr(node, "_forward_cls", None)
    backward = getattr(function_cls, "backward", None)
    code = getattr(backward, "__code__", None)
    if code is None:                    # no backward, or not a plain function: name it only
        return {"function": f"{getattr(node, 'function_name', type(node).__name__)}.backward",
                "file": "", "line": 0}
    file = _students_file(code.co_filename, target)
    return {"function": backward.__qualname__, "file": file,
            "line": _def_line(backward) if file else 0}


def _def_line(function) -> int:
    """The line of ``def`` (co_firstlineno is the decorator's, e.g. @staticmethod)."""
    try:
        lines, start = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return function.__code__.co_firstlineno
    for offset, line in enumerate(lines):
        if line.lstrip().startswith("def "):
            return start + offset
    return start
