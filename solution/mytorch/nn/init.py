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
    ### BEGIN SOLUTION
    receptive = int(np.prod(shape[2:]))
    return shape[1] * receptive, shape[0] * receptive
    ### END SOLUTION


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The gain for a nonlinearity, as torch.nn.init.calculate_gain:
    "linear" and "sigmoid" 1, "tanh" 5/3, "relu" sqrt(2),
    "leaky_relu" sqrt(2 / (1 + slope^2)) with slope = param (0.01 when None)."""
    ### BEGIN SOLUTION
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope * slope))
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")
    ### END SOLUTION


def _fill_normal(tensor: Tensor, std: float) -> Tensor:
    tensor.data[...] = np.random.normal(0.0, std, tensor.shape)
    return tensor


def _fill_uniform(tensor: Tensor, bound: float) -> Tensor:
    tensor.data[...] = np.random.uniform(-bound, bound, tensor.shape)
    return tensor


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    ### BEGIN SOLUTION
    fan_in, fan_out = fans(tensor.shape)
    return _fill_normal(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)))
    ### END SOLUTION


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    ### BEGIN SOLUTION
    fan_in, fan_out = fans(tensor.shape)
    return _fill_uniform(tensor, gain * math.sqrt(6.0 / (fan_in + fan_out)))
    ### END SOLUTION


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std^2) with std = calculate_gain(nonlinearity, a) / sqrt(fan), fan chosen by
    ``mode`` ("fan_in" or "fan_out")."""
    ### BEGIN SOLUTION
    return _fill_normal(tensor, _kaiming_std(tensor.shape, a, mode, nonlinearity))
    ### END SOLUTION


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-bound, bound) with bound = sqrt(3) * calculate_gain(nonlinearity, a) / sqrt(fan)."""
    ### BEGIN SOLUTION
    return _fill_uniform(tensor, math.sqrt(3.0) * _kaiming_std(tensor.shape, a, mode,
                                                               nonlinearity))
    ### END SOLUTION


def _kaiming_std(shape: Tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    """Kaiming's std = gain / sqrt(fan) (a helper of the two initialisers above)."""
    ### BEGIN SOLUTION
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)
    ### END SOLUTION
