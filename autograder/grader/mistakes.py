"""Models of the usual mistakes: what a wrong formula gives, so feedback can name it.

Each numpy model takes switches for the mistakes; with the defaults it is the right
computation (a kit test checks that against PyTorch), so every variation differs in that
one choice. Conv2d's mistakes are PyTorch runs on altered inputs instead (see there).
The tests pass the wrong answers to ``check_close(..., mistakes=...)``.
"""
from __future__ import annotations

import numpy as np

from autograder.grader.hints import HINTS


def sgd_trajectory(params, grads, lr: float, momentum: float = 0.0, sign: float = -1.0,
                   keep_velocity: bool = True, update_first: bool = False,
                   weight_decay: float = 0.0) -> list:
    """Parameters after every step of SGD written with the given (possibly wrong) choices.

    The right one is v <- momentum * v + sign * lr * g (sign -1), then W <- W + v, with
    g = grad + weight_decay * W (PyTorch's coupled L2 form).
    ``update_first`` moves W with the old velocity before updating v.
    """
    params = [np.array(p, dtype=np.float64) for p in params]
    velocities = [np.zeros_like(p) for p in params]
    history = []
    for step_grads in grads:
        for k, g in enumerate(step_grads):
            g = g + weight_decay * params[k]
            old = velocities[k] if keep_velocity else np.zeros_like(g)
            new = momentum * old + sign * lr * g
            params[k] = params[k] + (old if update_first else new)
            velocities[k] = new
        history.append([p.copy() for p in params])
    return history


def sgd_mistakes(params, grads, lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> dict:
    """{hint text: trajectory} for the usual mistakes in SGD, with momentum or weight decay."""
    options = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay}
    if weight_decay:
        return {HINTS["weight_decay_ignored"]: sgd_trajectory(params, grads, lr, momentum),
                HINTS["weight_decay_sign"]: sgd_trajectory(params, grads, lr, momentum,
                                                           weight_decay=-weight_decay)}
    if not momentum:
        return {HINTS["sgd_sign"]: sgd_trajectory(params, grads, **options, sign=1.0)}
    return {HINTS["momentum_sign"]: sgd_trajectory(params, grads, **options, sign=1.0),
            HINTS["momentum_ignored"]: sgd_trajectory(params, grads, **options,
                                                      keep_velocity=False),
            HINTS["momentum_order"]: sgd_trajectory(params, grads, **options,
                                                    update_first=True)}


def adam_trajectory(params, grads, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                    bias_correction: bool = True, eps_inside: bool = False,
                    sign: float = -1.0, efficient: bool = False, weight_decay: float = 0.0,
                    decoupled: bool = False, decay_rate: float = 0.0) -> list:
    """Parameters after every step of Adam written with the given (possibly wrong) choices.

    The right one: m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, m_hat = m / (1 - b1^t),
    v_hat = v / (1 - b2^t), W <- W - lr m_hat / (sqrt(v_hat) + eps), with
    g = grad + weight_decay * W (Adam's coupled L2 form), or, ``decoupled`` (AdamW),
    g = grad and W <- W * (1 - decay_rate * weight_decay) first, decay_rate being lr unless
    given.
    ``efficient``: Kingma & Ba's "efficient" ordering (Section 2 of the paper), also right:
    W <- W - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
    """
    beta1, beta2 = betas
    params = [np.array(p, dtype=np.float64) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    history = []
    for t, step_grads in enumerate(grads, start=1):
        for k, g in enumerate(step_grads):
            if decoupled:
                params[k] = params[k] * (1 - (decay_rate or lr) * weight_decay)
            else:
                g = g + weight_decay * params[k]
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            if efficient:
                step_size = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                params[k] = params[k] + sign * step_size * m[k] / (np.sqrt(v[k]) + eps)
                continue
            m_hat, v_hat = m[k], v[k]
            if bias_correction:
                m_hat, v_hat = m[k] / (1 - beta1 ** t), v[k] / (1 - beta2 ** t)
            denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
            params[k] = params[k] + sign * lr * m_hat / denominator
        history.append([p.copy() for p in params])
    return history


def adam_mistakes(params, grads, **options) -> dict:
    """{hint text: trajectory} for the usual mistakes in Adam (with weight decay: its own)."""
    if options.get("weight_decay"):
        plain = {**options, "weight_decay": 0.0}
        return {HINTS["weight_decay_ignored"]: adam_trajectory(params, grads, **plain),
                HINTS["adam_decay_decoupled"]: adam_trajectory(params, grads, **options,
                                                               decoupled=True)}
    return {HINTS["adam_no_bias_correction"]: adam_trajectory(params, grads, **options,
                                                               bias_correction=False),
            HINTS["adam_eps_inside"]: adam_trajectory(params, grads, **options, eps_inside=True),
            HINTS["adam_sign"]: adam_trajectory(params, grads, **options, sign=1.0)}


def adamw_mistakes(params, grads, **options) -> dict:
    """{hint text: trajectory} for the usual mistakes in AdamW's decoupled weight decay."""
    plain = {**options, "weight_decay": 0.0}
    return {HINTS["adamw_coupled"]: adam_trajectory(params, grads, **options),
            HINTS["weight_decay_ignored"]: adam_trajectory(params, grads, **plain),
            HINTS["adamw_decay_without_lr"]: adam_trajectory(params, grads, **options,
                                                             decoupled=True, decay_rate=1.0)}


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


def conv2d_mistakes(x, weight, bias, stride: int, padding: int, upstream) -> dict:
    """{"out" | "x" | "weight" | "bias": {hint text: the answer that mistake gives}}.

    Unlike the models above these are PyTorch's conv2d run on altered inputs (the kernel
    flipped, the padding or the stride dropped, the padded input as a leaf, one image), so
    that the public grader contains no convolution a student could copy. Only mistakes that
    change the answer for this input are listed.
    """
    import torch                                   # grader process only, like reference.py
    from autograder.grader.reference import numpy, tensor
    conv = torch.nn.functional.conv2d

    def run(x_, weight_=weight, bias_=bias, stride_=stride, padding_=padding,
            upstream_=upstream):
        tx, tw = tensor(x_, True), tensor(weight_, True)
        out = conv(tx, tw, None if bias_ is None else tensor(bias_), stride=stride_,
                   padding=padding_)
        if upstream_ is not None:
            out.backward(tensor(upstream_))
        return numpy(out), numpy(tx.grad), numpy(tw.grad)

    n = x.shape[0]
    out = {HINTS["conv2d_flipped"]: run(x, weight[:, :, ::-1, ::-1].copy(), upstream_=None)[0],
           HINTS["conv2d_no_bias"]: run(x, bias_=None, upstream_=None)[0]}
    grad_x, grad_w = {}, {}
    if padding:
        out[HINTS["conv2d_padding_ignored"]] = run(x, padding_=0, upstream_=None)[0]
        padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        grad_x[HINTS["conv2d_grad_not_cropped"]] = run(padded, padding_=0)[1]
    if stride > 1:
        out[HINTS["conv2d_stride_ignored"]] = run(x, stride_=1, upstream_=None)[0]
    grad_b = {HINTS["conv2d_bias_grad_spatial"]: upstream.sum(axis=0),
              HINTS["conv2d_bias_grad_mean"]: upstream.mean(axis=(0, 2, 3))}
    if n > 1:
        grad_w[HINTS["conv2d_weight_grad_mean"]] = run(x)[2] / n
        grad_w[HINTS["conv2d_weight_grad_last_image"]] = run(x[-1:], upstream_=upstream[-1:])[2]
    return {"out": out, "x": grad_x, "weight": grad_w, "bias": grad_b}


def layer_norm_mistakes(x, normalized_ndim: int, eps: float, weight, bias) -> dict:
    """{hint text: the output that mistake gives} for LayerNorm's forward, computed with
    PyTorch's Tensor methods: the unbiased variance, eps outside the square root, the
    statistics over the batch axis (BatchNorm's), or over the last axis only."""
    import torch                                   # grader process only, like reference.py
    from autograder.grader.reference import numpy, tensor
    tx = tensor(x)
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))

    def normalised(dims, unbiased=False, eps_outside=False):
        centered = tx - tx.mean(dim=dims, keepdim=True)
        var = tx.var(dim=dims, keepdim=True, unbiased=unbiased)
        scale = var.sqrt() + eps if eps_outside else (var + eps).sqrt()
        out = centered / scale
        return numpy(out if weight is None else out * tensor(weight) + tensor(bias))

    found = {HINTS["layer_norm_unbiased"]: normalised(axes, unbiased=True),
             HINTS["layer_norm_eps_outside"]: normalised(axes, eps_outside=True),
             HINTS["layer_norm_over_batch"]: normalised((0,))}
    if normalized_ndim > 1:
        found[HINTS["layer_norm_last_axis_only"]] = normalised((x.ndim - 1,))
    return found


def max_pool_grad_mistakes(x, kernel_size: int, stride: int, upstream) -> dict:
    """{hint text: the input gradient that mistake gives} for MaxPool2d's backward: every
    tied maximum of a window given the gradient, and overlapping windows that overwrite one
    another's gradient (``grad_x[index] += g`` with repeated indices, numpy's buffered
    addition) instead of adding up."""
    import torch                                   # grader process only, like reference.py
    from autograder.grader.reference import tensor
    out, indices = torch.nn.functional.max_pool2d(tensor(x), kernel_size, stride,
                                                  return_indices=True)
    out, indices = out.numpy(), indices.numpy()
    n, c, ho, wo = out.shape
    overwritten = np.zeros_like(x).reshape(n, c, -1)
    batch, channel = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]
    overwritten[batch, channel, indices] += upstream
    every_tie = np.zeros_like(x)
    for p in range(kernel_size):
        for q in range(kernel_size):
            window = x[:, :, p:p + stride * ho:stride, q:q + stride * wo:stride]
            every_tie[:, :, p:p + stride * ho:stride, q:q + stride * wo:stride] += \
                upstream * (window == out)
    return {HINTS["max_pool_overwritten"]: overwritten.reshape(x.shape),
            HINTS["max_pool_every_tie"]: every_tie}
