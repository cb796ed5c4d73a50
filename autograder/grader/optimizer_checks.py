"""Optimizers: several steps with fixed gradients, compared with torch.optim step by step.

What is graded is the trajectory: the parameters after every step. Two more things a user
can observe are checked: the parameters stay leaves that require grad, and step() leaves
each ``.grad`` either as it was or cleared (None or zeros: some designs zero the gradients
in step); changing it to anything else (scaling it in place) is a bug.

Adam: torch.optim.Adam adds eps to sqrt(v_hat); the paper's "efficient" form (Kingma & Ba,
Section 2: the bias corrections folded into the step size, eps added to sqrt(v)) is the
same algorithm with eps effectively scaled by 1/sqrt(1 - b2^t), and differs from torch by up
to ~1e-7 on ordinary gradients and by far more on gradients near eps. Both are accepted: a
trajectory passes if it matches torch's, or if it matches the efficient form's (computed in
numpy, mistakes.adam_trajectory(efficient=True)) at every step, each within compare.RTOL.
The same holds for AdamW.

A new optimizer is one entry in each of TORCH_OPTIMIZERS, NAMES and MISTAKES, and one in
the student side's _OPTIMIZERS in autograder/worker/probes/optimizers.py.
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.grader import reference
from autograder.grader.compare import GradingFailure, check_close, check_equal
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import (adam_mistakes, adam_trajectory, adamw_mistakes,
                                        sgd_mistakes)

SHAPES = [(3, 4), (4,), (2, 2)]       # several parameters: state must be kept per parameter
STEPS = 4

TORCH_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam,
                    "adamw": torch.optim.AdamW}
NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
MISTAKES = {"sgd": sgd_mistakes, "adam": adam_mistakes, "adamw": adamw_mistakes}
ADAM_FAMILY = {"adam": False, "adamw": True}     # kind -> decoupled weight decay


def _hint(kind: str, options: dict) -> str:
    """The general hint of a trajectory check: weight decay, then momentum, then the kind's."""
    if "weight_decay" in options and kind != "adamw":
        return HINTS["weight_decay"]
    if "momentum" in options:
        return HINTS["momentum"]
    return HINTS.get(kind, "")


def check_optimizer(student, rng: np.random.Generator, kind: str, options: dict,
                    grad_scale: float = 1.0) -> None:
    """``grad_scale`` shrinks the gradients, e.g. to where Adam's eps matters."""
    params = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) * grad_scale for s in SHAPES] for _ in range(STEPS)]
    got = student.run("optimizer_steps", kind=kind, params=params, grads=grads, options=options)

    tensors = [reference.tensor(p, True) for p in params]
    optimizer = TORCH_OPTIMIZERS[kind](tensors, **options)
    args = ", ".join(f"{k}={v}" for k, v in options.items())
    what = f"{NAMES[kind]}({args}).step()"
    context = (f"{len(SHAPES)} parameters of shapes {', '.join(map(str, SHAPES))}, "
               f"{STEPS} steps with fixed random gradients"
               + (f" of size about {grad_scale:g}" if grad_scale != 1.0 else ""))
    hint = _hint(kind, options)
    wrong = MISTAKES[kind](params, grads, **options)
    expected = []
    for step_grads in grads:
        for t, g in zip(tensors, step_grads):
            t.grad = reference.tensor(g)
        optimizer.step()
        expected.append([reference.numpy(t) for t in tensors])

    def compare(trajectory) -> None:
        for step, parameters in enumerate(trajectory):
            for k, parameter in enumerate(parameters):
                check_close(got["history"][step][k], parameter, context=context, hint=hint,
                            what=f"{what}: parameter {k} after step {step + 1}",
                            mistakes={h: history[step][k] for h, history in wrong.items()})

    try:
        compare(expected)
    except GradingFailure:
        if kind not in ADAM_FAMILY:
            raise
        try:                # the paper's efficient form is accepted as well (module docstring)
            compare(adam_trajectory(params, grads, **options, efficient=True,
                                    decoupled=ADAM_FAMILY[kind]))
        except GradingFailure:
            compare(expected)           # report the difference from torch.optim.Adam

    changed = sorted({k % len(SHAPES) for k, left in enumerate(got["grads_after"]) if left == "changed"})
    check_equal(changed, [], context=context, hint=HINTS["sgd"],
                what=f"{what} must leave .grad as it was (or clear it): parameters whose "
                     ".grad it changed")
    for k, flags in enumerate(got["flags"]):
        check_equal((flags["is_leaf"], flags["requires_grad"], flags["has_grad_fn"]),
                    (True, True, False), context=context, hint=HINTS["sgd"],
                    what=f"{what}: parameter {k} must stay a leaf that requires grad, "
                         "with no grad_fn (is_leaf, requires_grad, has grad_fn)")
