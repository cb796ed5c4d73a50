"""Part 3, student side: a record of how training changed the model, for the grader to verify.

The grader does not take a trained model on trust (autograder/grader/training_check.py checks
this record): training must start from a fresh model, only ``optimizer.step()`` may change
the parameters, and the steps must move them along the gradients of their batches. While
``mnist()`` runs, the harness passes every training forward, every loss and every optimizer
it sees to a ``TrainingRecord``, which keeps:

- the parameters at the first training forward: the model training started from;
- after each step, a copy of the parameters; at the next training forward, and once training
  is over, whether they are still those (``changed_outside_step``, ``changed_after_training``);
- the sum of the gradients every step found, and the last step's gradients and update;
- for each sampled step: the batch (images and labels), the parameters before it and the
  gradients it found.

Parameters are named as the grader rebuilds the model (autograder/common/mnist_network.py):
"0.weight", "1.gamma", ...
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from autograder.common.mnist_network import PARAMETERS

KEPT_DTYPES = ("float32", "float64", "int32", "int64")


def _array(value: Any) -> Optional[np.ndarray]:
    """A copy of ``value`` (a Tensor's data, or an array) in its own dtype when that is one of
    KEPT_DTYPES (a float32 model's record is half the size), else as float64."""
    value = getattr(value, "data", value)
    if value is None:
        return None
    array = np.array(value)
    return array if array.dtype.name in KEPT_DTYPES else array.astype(np.float64)


class TrainingRecord:
    """See the module docstring; ``sampled``: the step numbers (1, 2, ...) to record."""

    def __init__(self, sampled: Iterable[int]) -> None:
        self.recorded = set(sampled)
        self.layers: List[Any] = []
        self.initial: Optional[Dict[str, np.ndarray]] = None
        self.after_step: Optional[Dict[str, np.ndarray]] = None
        self.batch: tuple = (None, None)
        self.steps = 0
        self.changed_outside_step = 0
        self.changed_after_training = False
        self.samples: List[dict] = []
        self.grad_sum: Dict[str, np.ndarray] = {}
        self.last_grads: Dict[str, np.ndarray] = {}
        self.last_before: Dict[str, np.ndarray] = {}

    def _values(self, attribute: str = "") -> Iterator[Tuple[str, Any]]:
        """(name, value) of each parameter, or of its ``attribute`` ("grad"), as found."""
        for index, layer in enumerate(self.layers):
            for name in PARAMETERS.get(type(layer).__name__, ()):
                value = getattr(layer, name, None)
                value = getattr(value, attribute, None) if attribute else value
                if value is not None:
                    yield f"{index}.{name}", getattr(value, "data", value)

    def parameters(self, attribute: str = "") -> Dict[str, np.ndarray]:
        """Copies of each parameter's values (or, with ``attribute="grad"``, its gradient's)."""
        return {name: _array(value) for name, value in self._values(attribute)}

    def _changed(self) -> bool:
        """Whether the parameters differ from those the last step left."""
        if self.after_step is None:
            return False
        seen = 0
        for name, value in self._values():
            seen += 1
            if name not in self.after_step or not np.array_equal(value, self.after_step[name],
                                                                equal_nan=True):
                return True
        return seen != len(self.after_step)

    def on_forward(self, model: Any, x: Any) -> None:
        """A training forward of ``model`` on ``x``."""
        if self.initial is None:
            self.layers = list(getattr(model, "layers", []) or [])
            self.initial = self.parameters()
        if self._changed():
            self.changed_outside_step += 1
            self.after_step = self.parameters()
        self.batch = (x, None)

    def on_labels(self, labels: Any) -> None:
        """The labels of the loss computed on the last training forward."""
        self.batch = (self.batch[0], labels)

    def step(self, step: Any) -> Any:
        """``optimizer.step`` wrapped: note the gradients it finds (some optimizers clear them
        as they go), step, keep the result."""
        def recorded_step(*args: Any, **kwargs: Any) -> Any:
            number = self.steps + 1
            grads = self.parameters("grad")
            # the parameters after the previous step, unless something else changed them
            # (on_forward counts that)
            before = self.after_step if self.after_step is not None else self.parameters()
            result = step(*args, **kwargs)
            self.steps = number
            self.after_step = self.parameters()
            for name, grad in grads.items():
                total = self.grad_sum.get(name)
                if total is None or total.shape != grad.shape:
                    self.grad_sum[name] = grad.astype(np.float64)
                else:
                    total += grad
            self.last_grads, self.last_before = grads, before
            if number in self.recorded:
                x, labels = self.batch
                self.samples.append({"step": number, "x": _array(x), "y": _array(labels),
                                     "grads": grads, "before": before})
            return result
        return recorded_step

    def finish(self) -> dict:
        """What the grader checks, once ``mnist()`` has returned."""
        self.changed_after_training = self._changed()
        after = self.after_step or {}
        last_update = {name: after[name] - before for name, before in self.last_before.items()
                       if name in after and after[name].shape == before.shape}
        return {"initial": self.initial, "final": self.parameters(), "steps": self.steps,
                "changed_outside_step": self.changed_outside_step,
                "changed_after_training": self.changed_after_training,
                "grad_sum": self.grad_sum, "last_grads": self.last_grads,
                "last_update": last_update, "samples": self.samples}
