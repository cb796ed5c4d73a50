"""Part 3, student side: run the target's ``hw1.mnist.mnist`` on MNIST and watch it train.

Runs inside the worker (probes/training.py). It decides nothing: it reports what the
student's code returned, the trained model's numbers (so that the grader can measure the
accuracy itself) and those of the model as ``validate`` last saw it (whatever the student's
cadence, the last reported accuracy is that model's), and a few facts observed while it
trained. It draws ``hw1/validation_accuracy.png`` from the returned accuracies. While training it draws a
progress bar (tqdm) on stderr, which the grader forwards live to the student's terminal; when
the grader's output is not a terminal (a log on Autolab or Gradescope, a pipe) it writes one
plain line per validation instead of a bar redrawn with carriage returns.

Observation works by wrapping, for the duration of the run only:
- ``hw1.mnist.train`` and ``hw1.mnist.validate`` (module globals, so ``mnist()`` calling
  ``train(model, ...)`` goes through the wrapper): the model is their first argument;
- the model's ``forward`` (inputs must not require grad; train/eval mode at each call; the
  sum of each training batch's inputs, so that the grader can tell whether the data was
  shuffled at the start of every epoch);
- ``CrossEntropyLoss.forward`` (the loss shown on the bar; labels must not require grad);
- the ``step`` of the optimizer passed to ``train`` (a ``TrainingRecord`` of how training
  changed the parameters, which the grader verifies: training_record.py).
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, List, Optional

import numpy as np

from autograder.common import mnist_data
from autograder.worker import notebook
from autograder.worker.probes.adapters import use_default_dtype
from autograder.worker.training_record import TrainingRecord

TOTAL_BATCHES = 1800          # 3 epochs x 600 batches of 100
PLOT = Path("hw1") / "validation_accuracy.png"      # relative to the target (the cwd)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"                # what a written plot starts with


def _modes(model: Any) -> List[bool]:
    """is_train of the model and of each of its layers."""
    layers = list(getattr(model, "layers", []) or [])
    return [bool(getattr(m, "is_train", True)) for m in [model, *layers]]


class TrainingMonitor:
    """Wraps the student's functions while ``mnist()`` runs; see the module docstring."""

    def __init__(self, module: Any, columns: int, interactive: bool = True,
                 sampled: tuple = ()) -> None:
        from tqdm import tqdm
        self.module = module
        self.record = TrainingRecord(sampled)
        self.optimizers: List[Any] = []
        self.interactive = interactive
        self.model: Any = None
        self.validated_layers: List[dict] = []     # the model as validate() last saw it
        self.in_validation = False
        self.facts = {"inputs_require_grad": False, "labels_require_grad": False,
                      "validated_in_train_mode": False, "trained_in_eval_mode": False,
                      "train_calls": 0, "validate_calls": 0, "loss_calls": 0}
        self.batch_sums: List[float] = []      # one per training forward, in order
        self.bar = tqdm(total=TOTAL_BATCHES, desc="Part 3 MNIST", unit="batch",
                        file=sys.stderr, ncols=max(60, min(columns, 120)), mininterval=0.5,
                        disable=not interactive,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]")
        self.loss = float("nan")
        self.accuracy = float("nan")
        self._restore: List[tuple] = []

    # ------------------------------------------------------------------ wrapping
    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        had = name in vars(owner)
        self._restore.append((owner, name, vars(owner).get(name), had))
        setattr(owner, name, replacement)

    def __enter__(self) -> "TrainingMonitor":
        from mytorch.nn.loss import CrossEntropyLoss
        train, validate = self.module.train, self.module.validate
        loss_forward = CrossEntropyLoss.forward

        def watched_train(model, *args, **kwargs):
            self.facts["train_calls"] += 1
            self._watch_model(model)
            self._watch_optimizer(args[0] if args else kwargs.get("optimizer"))
            return train(model, *args, **kwargs)

        def watched_validate(model, *args, **kwargs):
            self.facts["validate_calls"] += 1
            self._watch_model(model)
            self.in_validation = True
            try:
                accuracy = validate(model, *args, **kwargs)
            finally:
                self.in_validation = False
            self.validated_layers = describe_model(model)
            with contextlib.suppress(TypeError, ValueError):
                self.accuracy = float(accuracy)
                self._show()
                if not self.interactive:
                    batches = self.facts["loss_calls"]
                    print(f"Part 3 MNIST: batch {batches}/{TOTAL_BATCHES}, {self._status()}",
                          file=sys.stderr, flush=True)
            return accuracy

        def watched_loss(criterion, predicted, target):
            value = loss_forward(criterion, predicted, target)
            self.facts["labels_require_grad"] |= bool(getattr(target, "requires_grad", False))
            if not self.in_validation:
                self.facts["loss_calls"] += 1
                with contextlib.suppress(TypeError, ValueError, AttributeError):
                    self.loss = float(np.asarray(value.data))
                self.record.on_labels(target)
                self.bar.update(1)
                if self.bar.n % 20 == 0:
                    self._show(refresh=False)
            return value

        self._patch(self.module, "train", watched_train)
        self._patch(self.module, "validate", watched_validate)
        self._patch(CrossEntropyLoss, "forward", watched_loss)
        return self

    def _watch_model(self, model: Any) -> None:
        if self.model is model or model is None:
            return
        self.model = model
        forward = model.forward

        def watched_forward(x, *args, **kwargs):
            modes = _modes(model)
            if self.in_validation:
                self.facts["validated_in_train_mode"] |= any(modes)
            else:
                self.facts["inputs_require_grad"] |= bool(getattr(x, "requires_grad", False))
                self.facts["trained_in_eval_mode"] |= not all(modes)
                with contextlib.suppress(TypeError, ValueError):
                    self.batch_sums.append(float(np.sum(getattr(x, "data", x))))
                self.record.on_forward(model, x)
            return forward(x, *args, **kwargs)

        self._patch(model, "forward", watched_forward)

    def _watch_optimizer(self, optimizer: Any) -> None:
        if optimizer is None or not callable(getattr(optimizer, "step", None)) or any(
                optimizer is seen for seen in self.optimizers):
            return
        self.optimizers.append(optimizer)
        self._patch(optimizer, "step", self.record.step(optimizer.step))

    def _status(self) -> str:
        text = f"loss {self.loss:.3f}"
        if self.accuracy == self.accuracy:          # not nan: validated at least once
            text += f", val acc {100 * self.accuracy:.2f}%"
        return text

    def _show(self, refresh: bool = True) -> None:
        self.bar.set_postfix_str(self._status(), refresh=refresh)

    def __exit__(self, *exc: Any) -> None:
        self.bar.close()
        for owner, name, old, had in reversed(self._restore):
            if had:
                setattr(owner, name, old)
            else:
                with contextlib.suppress(AttributeError):
                    delattr(owner, name)


def describe_layer(layer: Any) -> dict:
    """A layer's kind and numbers as plain arrays (what the grader rebuilds in PyTorch)."""
    def array(name: str) -> Optional[np.ndarray]:
        value = getattr(layer, name, None)
        value = getattr(value, "data", value)
        return None if value is None else np.array(value, dtype=np.float64)

    kind = type(layer).__name__
    if kind == "Linear":
        return {"kind": kind, "weight": array("weight"), "bias": array("bias")}
    if kind == "BatchNorm1d":
        return {"kind": kind, "gamma": array("gamma"), "beta": array("beta"),
                "running_mean": array("running_mean"), "running_var": array("running_var"),
                "eps": _setting(getattr(layer, "eps", 1e-5))}
    return {"kind": kind}


def describe_model(model: Any) -> List[dict]:
    """Every layer of ``model`` (describe_layer), in order."""
    layers = list(getattr(model, "layers", []) or []) if model is not None else []
    return [describe_layer(layer) for layer in layers]


def draw_plot(accuracies: List[float]) -> None:
    """hw1/validation_accuracy.png: the validation accuracy against the training batches."""
    import matplotlib
    matplotlib.use("Agg")               # write a file; never open a window
    import matplotlib.pyplot as plt

    batches = [100 * (k + 1) for k in range(len(accuracies))]
    percent = [100.0 * a for a in accuracies]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(batches, percent, marker="o")
    axes.set_xlabel("training batches (100 images each)")
    axes.set_ylabel("validation accuracy (%)")
    axes.set_title("MyTorch MLP on MNIST: accuracy on the 10,000 validation images")
    axes.grid(True, alpha=0.3)
    if accuracies:
        axes.annotate(f"final: {percent[-1]:.2f}%", xy=(batches[-1], percent[-1]),
                      xytext=(-10, -30), textcoords="offset points", ha="right",
                      arrowprops={"arrowstyle": "->"})
    figure.tight_layout()
    figure.savefig(PLOT, dpi=100)
    plt.close(figure)


def _setting(value: Any) -> float:
    """A layer setting stored as a float or as a Tensor (eps = Tensor(1e-5)), as a float."""
    return float(np.asarray(getattr(value, "data", value), dtype=np.float64))


def _as_floats(values: Any) -> Optional[List[float]]:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def run(seed: int, columns: int, interactive: bool = True, sampled: tuple = ()) -> dict:
    """Train with the student's ``mnist()`` and report; see the module docstring.
    ``sampled``: the optimizer steps whose batches and gradients the report includes."""
    train_x, train_y, val_x, val_y = mnist_data.load_mnist()       # float32 images
    module = notebook.load_mnist_module()         # hw1/mnist.py, or the notebook's cells
    use_default_dtype(np.float32)          # float32 end to end, as a student trains
    np.random.seed(seed)
    with TrainingMonitor(module, columns, interactive, tuple(sampled)) as monitor:
        returned = module.mnist(train_x, train_y, val_x, val_y)
        training = monitor.record.finish()
    accuracies = _as_floats(returned) if returned is not None else None
    if accuracies:
        with contextlib.suppress(Exception):    # noqa: BLE001 - a plot is not graded
            draw_plot(accuracies)
    return {"accuracies": accuracies, "returned_type": type(returned).__name__,
            "model_seen": monitor.model is not None,
            "layers": describe_model(monitor.model),
            "validated_layers": monitor.validated_layers,
            "batch_sums": np.array(monitor.batch_sums, dtype=np.float64), "training": training,
            **monitor.facts}
