"""Conv2dFunction's forward and backward written with Python loops, as a student might.

Correct but slow: ``bench/conv2d_loop.py`` times them against the reference's im2col and
grades a copy of the solution that uses them. Two loop depths:
    "pixels"   one iteration per output pixel (i, j); batch, channels and kernel in numpy
    "entries"  one iteration per output entry (n, o, i, j); the window sum in numpy
Same signatures as mytorch's ``Conv2dFunction.forward`` / ``backward``; numpy and mytorch only.
"""
from __future__ import annotations

import numpy as np

from mytorch import tensor


def _geometry(x_shape: tuple, weight_shape: tuple, stride: int, padding: int) -> tuple:
    n, c, h, w = x_shape
    o, _, kh, kw = weight_shape
    return n, o, kh, kw, (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _forward(ctx, x, weight, bias, stride: int, padding: int, per_entry: bool):
    n, o, kh, kw, ho, wo = _geometry(x.shape, weight.shape, stride, padding)
    xp = _pad(x.data, padding)
    out = np.empty((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            if per_entry:
                for image in range(n):
                    for channel in range(o):
                        out[image, channel, i, j] = (np.sum(window[image] * weight.data[channel])
                                                     + bias.data[channel])
            else:
                out[:, :, i, j] = np.tensordot(window, weight.data, axes=([1, 2, 3], [1, 2, 3])) \
                    + bias.data
    ctx.save_for_backward(x, weight)
    ctx.geometry = (xp, stride, padding, per_entry)
    return tensor.Tensor(out)


def _backward(ctx, grad_output: np.ndarray) -> tuple:
    x, weight = ctx.saved_tensors
    xp, stride, padding, per_entry = ctx.geometry
    n, o, kh, kw, ho, wo = _geometry(x.shape, weight.shape, stride, padding)
    grad_xp, grad_weight = np.zeros_like(xp), np.zeros_like(weight.data)
    for i in range(ho):
        for j in range(wo):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            if per_entry:
                for image in range(n):
                    for channel in range(o):
                        g = grad_output[image, channel, i, j]
                        grad_weight[channel] += g * xp[image, :, rows, cols]
                        grad_xp[image, :, rows, cols] += g * weight.data[channel]
            else:
                g = grad_output[:, :, i, j]                                   # (N, O)
                grad_weight += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
                grad_xp[:, :, rows, cols] += np.tensordot(g, weight.data, axes=([1], [0]))
    grad_bias = grad_output.sum(axis=(0, 2, 3))
    h, w = x.shape[2], x.shape[3]
    return grad_xp[:, :, padding:padding + h, padding:padding + w], grad_weight, grad_bias, None, None


def pixels_forward(ctx, x, weight, bias, stride: int = 1, padding: int = 0):
    """One iteration per output pixel."""
    return _forward(ctx, x, weight, bias, stride, padding, per_entry=False)


def entries_forward(ctx, x, weight, bias, stride: int = 1, padding: int = 0):
    """One iteration per output entry (image, filter, pixel)."""
    return _forward(ctx, x, weight, bias, stride, padding, per_entry=True)


backward = _backward          # the loop depth is stored in ctx by the forward
