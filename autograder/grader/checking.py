"""Checks shared by several parts: run a computation in both libraries and compare all of it."""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from autograder.grader import reference
from autograder.grader.compare import check_close, check_equal, context_of
from autograder.grader.hints import HINTS
from autograder.grader.student_process import StudentProcess


def check_grad(report: dict, expected: Optional[np.ndarray], *, what: str, context: str,
               hint: str = "", mistakes: Optional[Dict[str, np.ndarray]] = None) -> None:
    """A tensor's .grad against the reference (None where no gradient may be stored)."""
    if expected is None:
        check_equal(report["grad"] is None, True, what=f"{what} must stay None",
                    context=context, hint=HINTS["grad_on_intermediate"])
        return
    if report["grad"] is None:
        check_equal("None", "a gradient", what=f"{what} is missing", context=context,
                    hint=hint or HINTS["accumulate"])
    check_close(report["grad"], expected, what=what, context=context, hint=hint,
                mistakes=mistakes)
    check_equal(report.get("grad_plain"), True, what=f"{what} is not a plain tensor",
                context=context, hint=HINTS["plain_grad"])


def check_output_flags(flags: dict, requires_grad: bool, *, what: str, context: str) -> None:
    check_equal(flags["type"], "Tensor", what=f"{what} must return a Tensor", context=context)
    check_equal(flags["requires_grad"], requires_grad, what=f"{what}: output.requires_grad",
                context=context, hint=HINTS["flags"])
    check_equal(flags["is_leaf"], not requires_grad, what=f"{what}: output.is_leaf",
                context=context, hint=HINTS["flags"])
    if requires_grad:       # a grad_fn on a constant output is Part 1.2's own small check
        check_equal(flags["has_grad_fn"], True, what=f"{what}: output has a grad_fn",
                    context=context, hint=HINTS["flags"])


def check_expression(student: StudentProcess, name: str, inputs: Dict[str, np.ndarray],
                     requires_grad: List[bool], *, what: str, upstream: Optional[np.ndarray] = None,
                     hint: str = "", grad_hint: str = "",
                     mistakes: Optional[Dict[str, Dict[str, np.ndarray]]] = None,
                     numbers_may_be_rejected: bool = False) -> None:
    """Forward value, output flags, every input's gradient and every intermediate's None-ness.

    ``upstream`` seeds backward with that gradient (through autograd_engine.backward, in the
    form the student's own Tensor.backward passes); without it, ``out.backward()`` seeds
    with ones. On an output that does not require grad, backward may raise (as PyTorch's
    does) or do nothing; either way no input may get a gradient. ``mistakes`` maps "out" or
    an input's name to known wrong answers for it (see compare.check_close).
    ``numbers_may_be_rejected``: the computation mixes Tensors with Python numbers; a Tensor
    whose operators refuse numbers with a TypeError passes, a wrong value does not.
    """
    mistakes = mistakes or {}
    arrays = list(inputs.values())
    context = context_of(**inputs)
    if upstream is not None:
        context += f"; upstream gradient {np.asarray(upstream).shape}"
    got = student.run("expression", name=name, inputs=arrays, requires_grad=requires_grad,
                      upstream=upstream, numbers_may_be_rejected=numbers_may_be_rejected)
    if "rejected" in got:
        return
    expected = reference.expression(name, arrays, requires_grad, upstream)

    check_close(got["out"], expected["out"], what=f"{what}: forward value", context=context,
                hint=hint, mistakes=mistakes.get("out"))
    check_output_flags(got["out_flags"], expected["requires_grad"], what=what, context=context)
    for (label, _), report, grad in zip(inputs.items(), got["inputs"], expected["grads"]):
        check_grad(report, grad, what=f"{what}: gradient of {label}", context=context,
                   hint=grad_hint, mistakes=mistakes.get(label))
    for label, report in got["intermediates"].items():
        check_equal(report["has_grad"], False, what=f"{what}: intermediate '{label}'.grad "
                    "must stay None", context=context, hint=HINTS["grad_on_intermediate"])
