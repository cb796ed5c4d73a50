"""Part 3, grader side: the returned model was trained by ``train()``, from a fresh start.

The student process records how training changed the parameters
(autograder/worker/training_record.py); this checks the record of every model accurate enough
to score (autograder/test_3_mnist.py), so that one trained elsewhere, built by hand, or edited
after training scores nothing in Part 3:

1. **A fresh start**: the parameters at the first training forward classify the validation
   images at about chance level (at most ``FRESH_ACCURACY``).
2. **Only the steps**: train() makes one ``optimizer.step()`` per batch, and nothing else
   changes the parameters, while training or after it.
3. **Moved by its gradients**: the change of the parameters over training, P_N - P_0, lies
   in the span of the sum of the gradients the steps found, the last step's gradients and the
   last step's update, up to rounding (``SPAN_RESIDUAL``). Every SGD with a constant rate
   does (plain; momentum in PyTorch's or the classic form; dampening; Nesterov; even with the
   momentum buffer applied one step late); a step that also pulls the weights towards values
   from elsewhere, or edits the gradients after they were recorded, leaves most of the change
   outside.
4. **Gradients of the batch**: at the sampled steps, the gradients the step found point the
   way of those PyTorch computes for the same parameters and batch (BatchNorm in training
   mode): cosine at least ``MIN_COSINE``. A slightly wrong backward keeps that margin (the
   catalogue's BatchNorm mutants that still train reach 0.83); gradients replaced by a
   direction towards weights from elsewhere do not (0.00).

The thresholds are measured in docs/benchmarks.md ("Part 3 training record").
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np
import torch

from autograder.common.mnist_network import PARAMETER_NAMES
from autograder.grader import mnist_model, reference
from autograder.grader.compare import fail

FRESH_ACCURACY = 0.5
SPAN_RESIDUAL = 1e-2
MIN_COSINE = 0.5
# Optimizer steps whose batches and gradients the student process records.
SAMPLED_STEPS = (50, 900, 1750)
WHAT = "hw1/mnist.py train()"


def flat(values: Dict[str, np.ndarray], names: List[str]) -> np.ndarray:
    return np.concatenate([np.reshape(values[name], -1) for name in names])


def batch_gradient(before: Dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                   eps: float) -> Dict[str, np.ndarray]:
    """The gradient of the mean cross-entropy on (x, y) at ``before``, computed by PyTorch."""
    params = {name: reference.tensor(value).requires_grad_() for name, value in before.items()}
    logits = mnist_model.forward(params, reference.tensor(x), eps, training=True)
    loss = torch.nn.functional.cross_entropy(
        logits, torch.as_tensor(np.reshape(y, -1), dtype=torch.long))
    loss.backward()
    return {name: p.grad.numpy() for name, p in params.items()}


def check(record: dict, steps: int, eps: float, val_x: np.ndarray, val_y: np.ndarray) -> None:
    """Fail (with what was found) unless ``record`` shows training as the module docstring
    says; ``steps``: the number of batches train() goes through."""
    if record["steps"] != steps:
        fail(f"{WHAT}: expected one optimizer.step() per batch, {steps} in all",
             f"the optimizer passed to train() stepped {record['steps']} times",
             hint="update the parameters with optimizer.step(), once per batch.")
    if not record["initial"] or not all(name in record["initial"] for name in PARAMETER_NAMES):
        fail(f"{WHAT}: the grader found no parameters to follow at the first training batch",
             "it follows the weight and bias of each Linear and the gamma and beta of "
             "BatchNorm1d, in the model passed to train(model, ...)")
    names = trained_parameters(record)
    if not names:
        fail(f"{WHAT}: training changed no parameter", "the optimizer's steps left them all "
             "as they were", hint="SGD(model.parameters(), ...) and optimizer.step() per batch.")
    lost = [name for name in names if not _followed(record, name)]
    if lost:
        fail(f"{WHAT}: {', '.join(lost)} changed without a gradient of its size at every step",
             "a parameter changes only by optimizer.step(), from its .grad")
    accuracy = mnist_model.accuracy(record["initial"], val_x, val_y, eps, training=True)
    if accuracy > FRESH_ACCURACY:
        fail(f"{WHAT}: training did not start from a fresh model",
             f"at the first training batch the model already classified {100 * accuracy:.1f}% "
             "of the validation images", hint="build the model in mnist() and train it there; "
             "no weights may come from elsewhere.")
    for fact, detail in (("changed_outside_step", "between steps, during training"),
                         ("changed_after_training", "after the last step")):
        if record[fact]:
            fail(f"{WHAT}: the parameters changed other than by optimizer.step()",
                 f"they changed {detail}", hint="only optimizer.step() may change them.")
    check_displacement(record, names)
    for sample in record["samples"]:
        check_gradient(sample, eps, names)


def _followed(record: dict, name: str) -> bool:
    """``name`` followed from start to end, with gradients of its size at every step."""
    groups = [record["initial"] or {}, record["final"], record["grad_sum"],
              record["last_grads"], record["last_update"]]
    return all(name in group for group in groups) and len(
        {np.size(group[name]) for group in groups}) == 1


def trained_parameters(record: dict) -> List[str]:
    """The parameters training changed (one that never changed, left out of the optimizer or
    without a gradient, is a matter for Part 2's checks)."""
    initial, final = record["initial"] or {}, record["final"]
    return [name for name in PARAMETER_NAMES if name in initial and name in final and (
        np.shape(initial[name]) != np.shape(final[name]) or not np.array_equal(
            initial[name], final[name], equal_nan=True))]


def check_displacement(record: dict, names: List[str]) -> None:
    """Where training took the parameters is made of the gradients: P_N - P_0 lies in the span
    of the gradients' sum, the last gradients and the last update (module docstring, 3)."""
    moved = flat(record["final"], names) - flat(record["initial"], names)
    basis = np.stack([flat(record[key], names)
                      for key in ("grad_sum", "last_grads", "last_update")], axis=1)
    if not (np.isfinite(moved).all() and np.isfinite(basis).all()):
        fail(f"{WHAT}: the parameters or their gradients became inf or nan during training",
             "training diverged", hint="check the loss (its max shift) and the learning rate.")
    coefficients, *_ = np.linalg.lstsq(basis, moved, rcond=None)
    residual = np.linalg.norm(moved - basis @ coefficients) / max(np.linalg.norm(moved), 1e-300)
    if not residual <= SPAN_RESIDUAL:
        fail(f"{WHAT}: the parameters did not move by their gradients",
             f"{100 * min(residual, 1.0):.1f}% of their change over training is not made of "
             "the gradients the steps found", hint="optimizer.step() updates each parameter "
             "from its .grad (SGD with momentum), and nothing else.")


def check_gradient(sample: dict, eps: float, names: List[str]) -> None:
    """The gradients at a sampled step are those of its batch's loss (module docstring, 4)."""
    missing = [name for name in names if name not in sample["grads"]
               or np.size(sample["grads"][name]) != np.size(sample["before"][name])]
    if missing:
        fail(f"{WHAT}: at step {sample['step']}, {', '.join(missing)} had no gradient of its "
             "size", "a parameter changes only by optimizer.step(), from its .grad")
    truth = flat(batch_gradient(sample["before"], sample["x"], sample["y"], eps), names)
    found = flat(sample["grads"], names)
    cosine = float(found @ truth / max(np.linalg.norm(found) * np.linalg.norm(truth), 1e-300))
    if not cosine >= MIN_COSINE:
        fail(f"{WHAT}: the gradients at step {sample['step']} are not those of the batch's loss",
             f"their cosine with the gradient PyTorch computes for the same batch and "
             f"parameters is {cosine:.3f} (at least {MIN_COSINE} expected)",
             hint="loss.backward() on the batch's loss, then optimizer.step().")
