"""Part 5.8, student side: run the target's ``hw1.toys.xor`` or ``hw1.toys.moons`` and report.

Runs inside the worker (probes/training.py). It decides nothing: it reports the returned
model's layers as plain arrays with the dtypes they had (so that the grader can check every
shape and dtype, rebuild the model and measure its accuracy itself), the training losses seen
by ``CrossEntropyLoss.forward`` while the task ran, and whether the plot was written.
"""
from __future__ import annotations

import contextlib
import importlib
import time
from pathlib import Path
from typing import Any, Iterator, List, Optional

import numpy as np

from autograder.worker.mnist_harness import PNG_SIGNATURE

PLOT_DIR = Path("hw1")                  # relative to the target (the cwd), as Part 3's plot


def plot_path(task: str) -> Path:
    return PLOT_DIR / f"{task}_boundary.png"


@contextlib.contextmanager
def watched_losses() -> Iterator[List[float]]:
    """The value of every CrossEntropyLoss computed while the block runs."""
    from mytorch.nn.loss import CrossEntropyLoss
    forward = CrossEntropyLoss.forward
    losses: List[float] = []

    def watched(criterion, predicted, target):
        value = forward(criterion, predicted, target)
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            losses.append(float(np.asarray(value.data)))
        return value

    had = "forward" in vars(CrossEntropyLoss)
    CrossEntropyLoss.forward = watched
    try:
        yield losses
    finally:
        if had:
            CrossEntropyLoss.forward = forward
        else:
            del CrossEntropyLoss.forward


def _array(value: Any) -> dict:
    """A parameter's values as float64 (when they are real numbers) and the dtype it had."""
    data = np.asarray(getattr(value, "data", value))
    real = data.dtype.kind in "fiub"
    return {"values": data.astype(np.float64) if real else None, "dtype": str(data.dtype),
            "shape": list(data.shape)}


def describe(model: Any) -> Optional[List[dict]]:
    """The layers of a returned Sequential, as kinds and parameters (None: no layers)."""
    layers = getattr(model, "layers", None)
    if layers is None:
        return None
    described = []
    for layer in list(layers):
        entry = {"kind": type(layer).__name__}
        if entry["kind"] == "Linear":
            entry.update(weight=_array(getattr(layer, "weight", None)),
                         bias=_array(getattr(layer, "bias", None)))
        described.append(entry)
    return described


def run(task: str, seed: int) -> dict:
    """``hw1.toys.<task>(seed, plot path)`` with numpy's global generator seeded too."""
    module = importlib.import_module("hw1.toys")
    path = plot_path(task)
    started = time.time()
    np.random.seed(seed)
    with watched_losses() as losses:
        model = getattr(module, task)(seed, path)
    written = (path.is_file() and path.stat().st_mtime >= started - 1
               and path.read_bytes()[:8] == PNG_SIGNATURE)
    return {"returned_type": type(model).__name__, "layers": describe(model),
            "losses": np.array(losses, dtype=np.float64), "plot_written": bool(written),
            "plot_path": str(path)}
