"""Weight initialisers, as ``torch.nn.init`` (Part 5).

Each one fills ``tensor.data`` in place with random numbers (from ``np.random``) and returns
the tensor. For a weight of shape (out, in, *kernel):
    fan_in = in * prod(kernel)          fan_out = out * prod(kernel)
Xavier/Glorot keeps the variance of activations and gradients alike:
    std = gain * sqrt(2 / (fan_in + fan_out))
Kaiming/He keeps the variance through ReLU-like layers, on one fan ("fan_in" or "fan_out"):
    std = gain / sqrt(fan)
A normal initialiser draws N(0, std^2); a uniform one draws U(-bound, bound) with
bound = sqrt(3) * std (the uniform distribution on [-b, b] has variance b^2 / 3).
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from mytorch.tensor import Tensor


def fans(shape: Tuple[int, ...]) -> Tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); at least 2 dimensions."""
    if len(shape) < 2:
        raise ValueError(f"fan_in and fan_out need at least 2 dimensions, got shape {shape}")
    # TODO: Part 5.4 - implement fans.
    raise NotImplementedError("fans (Part 5.4)")


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The gain for a nonlinearity, as torch.nn.init.calculate_gain:
    "linear" and "sigmoid" 1, "tanh" 5/3, "relu" sqrt(2),
    "leaky_relu" sqrt(2 / (1 + slope^2)) with slope = param (0.01 when None)."""
    # TODO: Part 5.4 - implement calculate_gain.
    raise NotImplementedError("calculate_gain (Part 5.4)")


def _fill_normal(tensor: Tensor, std: float) -> Tensor:
    tensor.data[...] = np.random.normal(0.0, std, tensor.shape)
    return tensor


def _fill_uniform(tensor: Tensor, bound: float) -> Tensor:
    tensor.data[...] = np.random.uniform(-bound, bound, tensor.shape)
    return tensor


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    # TODO: Part 5.4 - implement xavier_normal_.
    raise NotImplementedError("xavier_normal_ (Part 5.4)")


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    # TODO: Part 5.4 - implement xavier_uniform_.
    raise NotImplementedError("xavier_uniform_ (Part 5.4)")


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std^2) with std = calculate_gain(nonlinearity, a) / sqrt(fan), fan chosen by
    ``mode`` ("fan_in" or "fan_out")."""
    # TODO: Part 5.4 - implement kaiming_normal_.
    raise NotImplementedError("kaiming_normal_ (Part 5.4)")


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-bound, bound) with bound = sqrt(3) * calculate_gain(nonlinearity, a) / sqrt(fan)."""
    # TODO: Part 5.4 - implement kaiming_uniform_.
    raise NotImplementedError("kaiming_uniform_ (Part 5.4)")


def _kaiming_std(shape: Tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    """Kaiming's std = gain / sqrt(fan) (a helper of the two initialisers above)."""
    # TODO: Part 5.4 - implement _kaiming_std.
    raise NotImplementedError("_kaiming_std (Part 5.4)")
