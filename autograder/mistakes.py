"""Numpy models of the usual mistakes: what a wrong formula gives, so feedback can name it.

Each model takes switches for the mistakes; with the defaults it is the right computation
(a kit test checks that against PyTorch), so every variation differs in that one choice.
The tests pass the wrong answers to ``check_close(..., mistakes=...)``.
"""
from __future__ import annotations

import numpy as np

from autograder.hints import HINTS


def sgd_trajectory(params, grads, lr: float, momentum: float = 0.0, sign: float = -1.0,
                   keep_velocity: bool = True, update_first: bool = False) -> list:
    """Parameters after every step of SGD written with the given (possibly wrong) choices.

    The right one is v <- momentum * v + sign * lr * g (sign -1), then W <- W + v.
    ``update_first`` moves W with the old velocity before updating v.
    """
    params = [np.array(p, dtype=np.float64) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    history = []
    for step_grads in grads:
        for k, g in enumerate(step_grads):
            old = velocities[k] if keep_velocity else np.zeros_like(g)
            new = momentum * old + sign * lr * g
            params[k] = params[k] + (old if update_first else new)
            velocities[k] = new
        history.append([p.copy() for p in params])
    return history


def sgd_mistakes(params, grads, lr: float, momentum: float = 0.0) -> dict:
    """{hint text: trajectory} for the usual mistakes in SGD and SGD with momentum."""
    if not momentum:
        return {HINTS["sgd_sign"]: sgd_trajectory(params, grads, lr, sign=1.0)}
    return {HINTS["momentum_sign"]: sgd_trajectory(params, grads, lr, momentum, sign=1.0),
            HINTS["momentum_ignored"]: sgd_trajectory(params, grads, lr, momentum,
                                                      keep_velocity=False),
            HINTS["momentum_order"]: sgd_trajectory(params, grads, lr, momentum,
                                                    update_first=True)}


def adam_trajectory(params, grads, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                    bias_correction: bool = True, eps_inside: bool = False,
                    sign: float = -1.0) -> list:
    """Parameters after every step of Adam written with the given (possibly wrong) choices.

    The right one: m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, m_hat = m / (1 - b1^t),
    v_hat = v / (1 - b2^t), W <- W - lr m_hat / (sqrt(v_hat) + eps).
    """
    beta1, beta2 = betas
    params = [np.array(p, dtype=np.float64) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    history = []
    for t, step_grads in enumerate(grads, start=1):
        for k, g in enumerate(step_grads):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat, v_hat = m[k], v[k]
            if bias_correction:
                m_hat, v_hat = m[k] / (1 - beta1 ** t), v[k] / (1 - beta2 ** t)
            denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
            params[k] = params[k] + sign * lr * m_hat / denominator
        history.append([p.copy() for p in params])
    return history


def adam_mistakes(params, grads, **options) -> dict:
    """{hint text: trajectory} for the usual mistakes in Adam."""
    return {HINTS["adam_no_bias_correction"]: adam_trajectory(params, grads, **options,
                                                               bias_correction=False),
            HINTS["adam_eps_inside"]: adam_trajectory(params, grads, **options, eps_inside=True),
            HINTS["adam_sign"]: adam_trajectory(params, grads, **options, sign=1.0)}


def batchnorm(gamma, beta, batches, eval_x, eps, momentum, norm_ddof=0, running_ddof=1,
             swapped=False, eval_batch_stats=False, eval_updates=False) -> dict:
    """BatchNorm1d in numpy, with switches for the usual mistakes (defaults: the right one)."""
    mean, var = np.zeros_like(gamma), np.ones_like(gamma)
    keep, take = (momentum, 1 - momentum) if swapped else (1 - momentum, momentum)
    steps = []

    def update(x):
        return (keep * mean + take * x.mean(axis=0),
                keep * var + take * x.var(axis=0, ddof=running_ddof))
    for x in batches:
        out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=norm_ddof) + eps) + beta
        mean, var = update(x)
        steps.append({"out": out, "running_mean": mean, "running_var": var})
    if eval_batch_stats:
        out = gamma * (eval_x - eval_x.mean(axis=0)) / np.sqrt(eval_x.var(axis=0) + eps) + beta
    else:
        out = gamma * (eval_x - mean) / np.sqrt(var + eps) + beta
    if eval_updates:
        mean, var = update(eval_x)
    return {"train": steps, "eval": {"out": out, "running_mean": mean, "running_var": var}}


BATCHNORM_MISTAKES = {"batchnorm_unbiased_norm": {"norm_ddof": 1},
            "batchnorm_biased_running": {"running_ddof": 0},
            "batchnorm_momentum_swapped": {"swapped": True},
            "batchnorm_eval_batch_stats": {"eval_batch_stats": True},
            "batchnorm_eval_updates": {"eval_updates": True}}


def batchnorm_mistakes(*scenario) -> dict:
    """{hint text: the results that mistake gives} for every mistake in BATCHNORM_MISTAKES."""
    return {HINTS[key]: batchnorm(*scenario, **switches) for key, switches in BATCHNORM_MISTAKES.items()}


def conv2d(x, weight, bias, stride: int, padding: int, flip: bool = False,
           with_bias: bool = True) -> np.ndarray:
    """Conv2d forward in numpy, one product per kernel offset (defaults: the right one)."""
    if flip:
        weight = weight[:, :, ::-1, ::-1]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = weight.shape[2:]
    ho, wo = (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], weight.shape[0], ho, wo))
    for p in range(kh):
        for q in range(kw):
            window = xp[:, :, p:p + stride * ho:stride, q:q + stride * wo:stride]
            out += np.einsum("oc,nchw->nohw", weight[:, :, p, q], window)
    return out + bias[None, :, None, None] if with_bias else out


def conv2d_input_grad(x, weight, upstream, stride: int, padding: int, overwrite: bool = False,
                      crop: bool = True) -> np.ndarray:
    """dL/dx of Conv2d in numpy: every window's gradient added back onto its pixels."""
    n, c, h, w = x.shape
    ho, wo = upstream.shape[2:]
    grad = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    for p in range(weight.shape[2]):
        for q in range(weight.shape[3]):
            pixels = (slice(None), slice(None), slice(p, p + stride * ho, stride),
                      slice(q, q + stride * wo, stride))
            contribution = np.einsum("oc,nohw->nchw", weight[:, :, p, q], upstream)
            grad[pixels] = contribution if overwrite else grad[pixels] + contribution
    return grad[:, :, padding:padding + h, padding:padding + w] if crop else grad


def conv2d_weight_grad(x, weight, upstream, stride: int, padding: int) -> np.ndarray:
    """dL/dw of Conv2d in numpy: each offset's window times the upstream gradient, summed."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = upstream.shape[2:]
    grad = np.zeros(weight.shape)
    for p in range(weight.shape[2]):
        for q in range(weight.shape[3]):
            window = xp[:, :, p:p + stride * ho:stride, q:q + stride * wo:stride]
            grad[:, :, p, q] = np.einsum("nohw,nchw->oc", upstream, window)
    return grad


def conv2d_mistakes(x, weight, bias, stride: int, padding: int, upstream) -> dict:
    """{"out" | "x" | "weight" | "bias": {hint text: the answer that mistake gives}}.

    Only mistakes that change the answer for this input are listed (no padding mistake
    without padding, no overlap mistake when the windows do not overlap, ...).
    """
    n = x.shape[0]
    out = {HINTS["conv2d_flipped"]: conv2d(x, weight, bias, stride, padding, flip=True),
           HINTS["conv2d_no_bias"]: conv2d(x, weight, bias, stride, padding, with_bias=False)}
    grad_x, grad_w = {}, {}
    if padding:
        out[HINTS["conv2d_padding_ignored"]] = conv2d(x, weight, bias, stride, 0)
        grad_x[HINTS["conv2d_grad_not_cropped"]] = conv2d_input_grad(
            x, weight, upstream, stride, padding, crop=False)
    if stride > 1:
        out[HINTS["conv2d_stride_ignored"]] = conv2d(x, weight, bias, 1, padding)
    if stride < max(weight.shape[2:]):
        grad_x[HINTS["conv2d_grad_overwritten"]] = conv2d_input_grad(
            x, weight, upstream, stride, padding, overwrite=True)
    grad_b = {HINTS["conv2d_bias_grad_spatial"]: upstream.sum(axis=0)}
    if n > 1:
        grad_w[HINTS["conv2d_weight_grad_mean"]] = conv2d_weight_grad(
            x, weight, upstream, stride, padding) / n
        grad_w[HINTS["conv2d_weight_grad_last_image"]] = conv2d_weight_grad(
            x[-1:], weight, upstream[-1:], stride, padding)
    grad_b[HINTS["conv2d_bias_grad_mean"]] = upstream.mean(axis=(0, 2, 3))
    return {"out": out, "x": grad_x, "weight": grad_w, "bias": grad_b}
