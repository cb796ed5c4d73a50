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
