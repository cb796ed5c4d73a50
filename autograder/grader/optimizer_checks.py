"""Optimizers: several steps with fixed gradients, compared with torch.optim step by step."""
from __future__ import annotations

import numpy as np
import torch

from autograder.grader import reference
from autograder.grader.compare import check_close, check_equal
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import adam_mistakes, sgd_mistakes

SHAPES = [(3, 4), (4,), (2, 2)]       # several parameters: state must be kept per parameter
STEPS = 4

TORCH_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
NAMES = {"sgd": "SGD", "adam": "Adam"}


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
    hint = HINTS.get(kind if "momentum" not in options else "momentum", "")
    wrong = (sgd_mistakes if kind == "sgd" else adam_mistakes)(params, grads, **options)
    for step, step_grads in enumerate(grads):
        for t, g in zip(tensors, step_grads):
            t.grad = reference.tensor(g)
        optimizer.step()
        for k, t in enumerate(tensors):
            check_close(got["history"][step][k], reference.numpy(t), context=context, hint=hint,
                        what=f"{what}: parameter {k} after step {step + 1}",
                        mistakes={h: history[step][k] for h, history in wrong.items()})

    check_equal(got["grads_unchanged"], True, what=f"{what} must not change .grad",
                context=context, hint=HINTS["sgd"])
    for k, flags in enumerate(got["flags"]):
        check_equal((flags["is_leaf"], flags["requires_grad"], flags["has_grad_fn"]),
                    (True, True, False), context=context, hint=HINTS["sgd"],
                    what=f"{what}: parameter {k} must stay a leaf that requires grad, "
                         "with no grad_fn (is_leaf, requires_grad, has grad_fn)")

