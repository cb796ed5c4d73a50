"""Probes of the optimizers (Parts 2.3, 2.6, 4.1, 5.5): steps with fixed gradients."""
from __future__ import annotations

import importlib
from typing import List

import numpy as np

from autograder.worker.probes import adapters


# The grader's optimizer kinds (optimizer_checks.py) -> (module, class) in the student's package.
_OPTIMIZERS = {"sgd": ("mytorch.optim.sgd", "SGD"), "adam": ("mytorch.optim.adam", "Adam"),
              "adamw": ("mytorch.optim.adamw", "AdamW")}


def optimizer_steps(kind: str, params: List[np.ndarray], grads: List[List[np.ndarray]],
                    options: dict) -> dict:
    """Give parameters fixed gradients and step; report the parameters after every step, and
    what step() left in each .grad: "unchanged", "cleared" (None or zeros) or "changed"."""
    Tensor = adapters.import_mytorch()
    module, name = _OPTIMIZERS[kind]
    Optimizer = getattr(importlib.import_module(module), name)
    tensors = [adapters.tensor(p, requires_grad=True, is_parameter=True) for p in params]
    optimizer = Optimizer(tensors, **options)
    history, grads_after = [], []
    for step_grads in grads:
        optimizer.zero_grad()
        for t, g in zip(tensors, step_grads):
            t.grad = Tensor(np.array(g, dtype=np.float64))
        optimizer.step()
        for t, g in zip(tensors, step_grads):
            left = adapters.data(getattr(t, "grad", None))
            grads_after.append("cleared" if left is None or not left.any() else
                               "unchanged" if np.array_equal(left, g) else "changed")
        history.append([adapters.data(t) for t in tensors])
    return {"history": history, "grads_after": grads_after,
            "flags": [adapters.flags(t) for t in tensors]}


PROBES = {"optimizer_steps": optimizer_steps}
