"""Part 3's network, rebuilt in PyTorch float64 from the student's numbers (grader process).

The grader measures the returned model's accuracy with it (BatchNorm in eval mode,
autograder/test_3_mnist.py) and computes the gradients of a training batch at the
parameters a step started from (BatchNorm in training mode, training_check.py).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from autograder.common.mnist_network import ARCHITECTURE
from autograder.grader import reference


def forward(values: Mapping[str, torch.Tensor], x: torch.Tensor, eps: float,
            training: bool) -> torch.Tensor:
    """The logits (N, 10) of the images x: (N, 784).

    ``values`` are named by layer index and attribute (mnist_network.py: "0.weight",
    "0.bias", "1.gamma", "1.running_mean", ...); a vector may have any shape holding one
    number per feature.
    BatchNorm normalises with the statistics of the batch when ``training``, else with the
    running statistics, which only then are needed.
    """
    for index, (kind, shape) in enumerate(ARCHITECTURE):
        if kind == "Linear":
            weight = values[f"{index}.weight"].reshape(shape)
            x = x @ weight.T + _vector(values, index, "bias")
        elif kind == "BatchNorm1d":
            mean, var = ((None, None) if training else
                         (_vector(values, index, "running_mean"),
                          _vector(values, index, "running_var")))
            x = torch.nn.functional.batch_norm(
                x, mean, var, _vector(values, index, "gamma"), _vector(values, index, "beta"),
                training=training, eps=eps)
        else:
            x = torch.relu(x)
    return x


def accuracy(values: Mapping[str, np.ndarray], val_x: np.ndarray, val_y: np.ndarray,
             eps: float, training: bool) -> float:
    """The fraction of ``val_x`` that the network with ``values`` (as ``forward`` names them)
    classifies as ``val_y``, computed in float64 (``training``: as ``forward``)."""
    params = {name: reference.tensor(value) for name, value in values.items()}
    with torch.no_grad():
        logits = forward(params, reference.tensor(val_x), eps, training)
    return float((logits.argmax(dim=1).numpy() == val_y).mean())


def _vector(values: Mapping[str, torch.Tensor], index: int, name: str) -> torch.Tensor:
    return values[f"{index}.{name}"].reshape(-1)
