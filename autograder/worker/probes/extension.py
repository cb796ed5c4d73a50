"""Probes of Part 5's layers and initialisers (5.3, 5.4, 5.6)."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from autograder.worker.probes import adapters


def dropout(x: np.ndarray, p: float, upstream: np.ndarray, calls: int = 2,
            backward: bool = True) -> dict:
    """Dropout(p) called ``calls`` times in training mode on a fresh x requiring grad, each
    call followed (unless ``backward`` is False) by backward seeded with ``upstream``; then
    eval() and one more call.
    Reports every output, the mask the layer says it used (``layer.mask``) and x's gradient."""
    adapters.import_mytorch()
    from mytorch.nn.dropout import Dropout
    layer = Dropout(p)
    train = []
    for _ in range(calls):
        tx = adapters.tensor(x, True)
        out = layer(tx)
        mask = getattr(layer, "mask", None)
        report = {"out": adapters.data(out), "out_flags": adapters.flags(out),
                  "mask": None if mask is None else adapters.data(mask)}
        if backward:
            adapters.backward(out, upstream)
            report["x"] = adapters.grad_report(tx)
        train.append(report)
    layer.eval()
    out = layer(adapters.tensor(x))
    return {"train": train, "eval": {"out": adapters.data(out), "is_train": bool(layer.is_train)}}


def initializer(name: str, shape: List[int], options: dict) -> dict:
    """``mytorch.nn.init.<name>(w, **options)`` on a parameter w of ``shape``: its values
    afterwards, and whether the call returned w itself."""
    adapters.import_mytorch()
    from mytorch.nn import init
    weight = adapters.tensor(np.zeros(shape), requires_grad=True, is_parameter=True)
    returned = getattr(init, name)(weight, **options)
    return {"data": adapters.data(weight), "returned_same": returned is weight,
            "flags": adapters.flags(weight)}


# ---------------------------------------------------------------------------- Part 5.6
def layer_norm(x: np.ndarray, normalized_shape, eps: float, weight: Optional[np.ndarray] = None,
               bias: Optional[np.ndarray] = None, upstream: Optional[np.ndarray] = None,
               backward: bool = True) -> dict:
    """``LayerNorm(normalized_shape, eps)`` (an int or a tuple, as given; without the affine
    transform when ``weight`` is None) called on x requiring grad, then (unless ``backward``
    is False) backward seeded with ``upstream``."""
    adapters.import_mytorch()
    from mytorch.nn.normalization import LayerNorm
    shape = normalized_shape if isinstance(normalized_shape, int) else tuple(normalized_shape)
    affine = weight is not None
    layer = LayerNorm(shape, eps=eps, elementwise_affine=affine)
    initial = {"n_parameters": len(list(layer.parameters()))}
    if affine:
        initial.update(weight=adapters.data(layer.weight), bias=adapters.data(layer.bias))
        adapters.set_data(layer.weight, weight)
        adapters.set_data(layer.bias, bias)
    tx = adapters.tensor(x, True)
    out = layer(tx)
    report = {"initial": initial, "out": adapters.data(out), "out_flags": adapters.flags(out)}
    if backward:
        adapters.backward(out, upstream)
        report["x"] = adapters.grad_report(tx)
        if affine:
            report.update(weight=adapters.grad_report(layer.weight), bias=adapters.grad_report(layer.bias))
    return report


_POOLS = ("MaxPool2d", "AvgPool2d")


def pool(kind: str, x: np.ndarray, kernel_size: int, stride: Optional[int],
         upstream: np.ndarray) -> dict:
    """``MaxPool2d`` or ``AvgPool2d`` (``kind``) with the given kernel size and stride (the
    layer's default when None) called on x requiring grad, then backward seeded with
    ``upstream``."""
    adapters.import_mytorch()
    if kind not in _POOLS:
        raise ValueError(f"unknown pooling layer {kind!r}")
    from mytorch.nn import pooling
    options = {} if stride is None else {"stride": stride}
    tx = adapters.tensor(x, True)
    out = getattr(pooling, kind)(kernel_size, **options)(tx)
    report = {"out": adapters.data(out), "out_flags": adapters.flags(out)}
    if tuple(np.shape(report["out"])) == tuple(np.shape(upstream)):
        adapters.backward(out, upstream)
        report["x"] = adapters.grad_report(tx)
    return report


PROBES = {"dropout": dropout, "initializer": initializer, "layer_norm": layer_norm, "pool": pool}
