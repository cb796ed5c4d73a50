"""Probes of the layers (Parts 2.1, 2.4, 4.2): each builds the student's layer, sets the
grader's weights, calls it as a user does and backpropagates."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from autograder.worker.probes import adapters


def linear(weight: np.ndarray, bias: np.ndarray, x: np.ndarray, upstream: np.ndarray,
           x_requires_grad: bool = True, twice: bool = False) -> dict:
    """A Linear layer with the given weights; ``twice``: out = layer(layer(x)), so that each
    parameter is used twice (a square layer)."""
    adapters.import_mytorch()
    from mytorch.nn.linear import Linear
    out_features, in_features = weight.shape
    layer = Linear(in_features, out_features)
    report = _layer_with_weights(layer, weight, bias, x, upstream, x_requires_grad, twice=twice)
    report["initial"].update(weight_flags=adapters.flags(layer.weight),
                             weight_is_parameter=bool(getattr(layer.weight, "is_parameter", False)))
    return report


def _layer_with_weights(layer, weight: np.ndarray, bias: np.ndarray, x: np.ndarray,
                        upstream: Optional[np.ndarray], x_requires_grad: bool = True,
                        backward: bool = True, twice: bool = False) -> dict:
    """A new layer's parameter shapes; then, with the given weights, forward and (unless
    ``backward`` is False) backward seeded with ``upstream``."""
    initial = {"weight_shape": list(adapters.data(layer.weight).shape),
               "bias_shape": list(adapters.data(layer.bias).shape),
               "n_parameters": len(list(layer.parameters()))}
    adapters.set_data(layer.weight, weight)
    adapters.set_data(layer.bias, bias)
    tx = adapters.tensor(x, x_requires_grad)
    out = layer(tx)
    if twice:
        out = layer(out)
    report = {"initial": initial, "out": adapters.data(out), "out_flags": adapters.flags(out)}
    if backward:
        adapters.backward(out, upstream)
        report.update(weight=adapters.grad_report(layer.weight), bias=adapters.grad_report(layer.bias),
                      x=adapters.grad_report(tx))
    return report


def sequential(weights: List[np.ndarray], biases: List[np.ndarray], x: np.ndarray,
               upstream: np.ndarray) -> dict:
    """Linear -> ReLU -> Linear ... as a Sequential."""
    adapters.import_mytorch()
    from mytorch.nn.activations import ReLU
    from mytorch.nn.linear import Linear
    from mytorch.nn.sequential import Sequential
    layers, linears = [], []
    for w, b in zip(weights, biases):
        layer = Linear(w.shape[1], w.shape[0])
        adapters.set_data(layer.weight, w)
        adapters.set_data(layer.bias, b)
        linears.append(layer)
        layers += [layer, ReLU()]
    model = Sequential(*layers[:-1])
    tx = adapters.tensor(x, True)
    out = model(tx)
    adapters.backward(out, upstream)
    return {"out": adapters.data(out), "n_parameters": len(list(model.parameters())),
            "weights": [adapters.grad_report(l.weight) for l in linears],
            "biases": [adapters.grad_report(l.bias) for l in linears], "x": adapters.grad_report(tx)}


def batchnorm(gamma: np.ndarray, beta: np.ndarray, batches: List[np.ndarray],
              upstreams: List[np.ndarray], eval_x: Optional[np.ndarray], eps: float,
              momentum: float, backward: bool = True) -> dict:
    """Train on several batches (forward, and backward unless ``backward`` is False), then,
    when ``eval_x`` is given, evaluate it (a separate call from the training check's, so that
    an eval-mode crash costs the eval check only)."""
    adapters.import_mytorch()
    from mytorch.nn.batchnorm import BatchNorm1d
    bn = BatchNorm1d(gamma.shape[0], eps=eps, momentum=momentum)
    adapters.set_data(bn.gamma, gamma)
    adapters.set_data(bn.beta, beta)
    steps = []
    for x, upstream in zip(batches, upstreams):
        bn.gamma.grad = None
        bn.beta.grad = None
        tx = adapters.tensor(x, True)
        out = bn(tx)
        step = {"out": adapters.data(out), "running_mean": adapters.data(bn.running_mean),
                "running_var": adapters.data(bn.running_var)}
        if backward:
            adapters.backward(out, upstream)
            step.update(x=adapters.grad_report(tx), gamma=adapters.grad_report(bn.gamma),
                        beta=adapters.grad_report(bn.beta))
        steps.append(step)
    if eval_x is None:
        return {"train": steps}
    bn.eval()
    out = bn(adapters.tensor(eval_x))
    return {"train": steps, "eval": {"out": adapters.data(out), "running_mean": adapters.data(bn.running_mean),
                                     "running_var": adapters.data(bn.running_var)}}


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int,
           upstream: Optional[np.ndarray] = None, x_requires_grad: bool = True,
           backward: bool = True) -> dict:
    """A Conv2d layer with the given weights: forward, then (unless ``backward`` is False)
    backward seeded with ``upstream``. ``padding`` is passed only when there is some, so that
    a Conv2d without the argument is graded on every case without padding."""
    adapters.import_mytorch()
    from mytorch.nn.conv import Conv2d
    out_channels, in_channels, kernel_size, _ = weight.shape
    layer = Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                   **({"padding": padding} if padding else {}))
    return _layer_with_weights(layer, weight, bias, x, upstream, x_requires_grad, backward)


def flatten(x: np.ndarray, upstream: np.ndarray) -> dict:
    """Flatten: forward, then backward seeded with ``upstream``."""
    adapters.import_mytorch()
    from mytorch.nn.conv import Flatten
    tx = adapters.tensor(x, True)
    out = Flatten()(tx)
    adapters.backward(out, upstream)
    return {"out": adapters.data(out), "out_flags": adapters.flags(out), "x": adapters.grad_report(tx)}


PROBES = {"linear": linear, "sequential": sequential, "batchnorm": batchnorm, "conv2d": conv2d, "flatten": flatten}
