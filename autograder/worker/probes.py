"""What the student process runs: builds MyTorch objects, runs them, reports what happened.

Every probe takes plain numpy inputs and returns plain data (arrays, numbers, flags).
Probes import the student's modules inside the function, so a file that fails to import
costs only the probes that need it.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from autograder.common import expressions


# ---------------------------------------------------------------------------- helpers
def _tensor(data, requires_grad: bool = False, is_parameter: bool = False):
    from mytorch.tensor import Tensor
    return Tensor(np.array(data, dtype=np.float64), requires_grad=requires_grad,
                  is_parameter=is_parameter)


def _data(t) -> Optional[np.ndarray]:
    """A float64 copy of a student tensor's data (or None): later in-place updates must not
    change what was recorded."""
    if t is None:
        return None
    return np.array(getattr(t, "data", t), dtype=np.float64)


def _flags(t) -> dict:
    return {"type": type(t).__name__,
            "requires_grad": bool(getattr(t, "requires_grad", False)),
            "is_leaf": bool(getattr(t, "is_leaf", True)),
            "has_grad_fn": getattr(t, "grad_fn", None) is not None,
            "has_grad": getattr(t, "grad", None) is not None}


def _grad_report(t) -> dict:
    """What a tensor holds in .grad, and whether that grad is a plain tensor."""
    grad = getattr(t, "grad", None)
    report = {"grad": _data(grad), "grad_type": type(grad).__name__}
    if grad is not None:
        report["grad_plain"] = (getattr(grad, "grad_fn", None) is None
                                and not getattr(grad, "requires_grad", False))
    return report


def _backward(out, upstream: Optional[np.ndarray]) -> None:
    """Backpropagate from ``out``: Tensor.backward() when no upstream gradient is given,
    else the engine's backward seeded with it."""
    if upstream is None:
        out.backward()
    else:
        from mytorch import autograd_engine
        autograd_engine.backward(out.grad_fn, np.asarray(upstream, dtype=np.float64))


class _MyTorchOps:
    """The ``ops`` of expressions.py for MyTorch."""

    @staticmethod
    def relu(x):
        from mytorch.nn.activations import ReLU
        return ReLU()(x)

    @staticmethod
    def cross_entropy(logits, target):
        from mytorch.nn.loss import CrossEntropyLoss
        return CrossEntropyLoss()(logits, target)


# ---------------------------------------------------------------------------- graph ops
def expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool],
               upstream: Optional[np.ndarray] = None, backward: bool = True) -> dict:
    """Run ``expressions.<name>`` on student tensors, then backpropagate."""
    tensors = [_tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    named = expressions.lookup(name)(_MyTorchOps, *tensors)
    out = named["out"]
    result = {"out": _data(out), "out_flags": _flags(out), "inputs": [], "intermediates": {}}
    if backward:
        _backward(out, upstream)
    for t in tensors:
        result["inputs"].append({**_flags(t), **_grad_report(t)})
    for key, t in named.items():
        if key != "out":
            result["intermediates"][key] = {**_flags(t), **_grad_report(t)}
    return result


def integer_target_cross_entropy(logits: np.ndarray, target: np.ndarray) -> dict:
    """cross_entropy with an integer label tensor that does not require grad."""
    from mytorch.tensor import Tensor
    x = _tensor(logits, True)
    t = Tensor(np.asarray(target))
    loss = _MyTorchOps.cross_entropy(x, t)
    loss.backward()
    return {"out": _data(loss), "out_flags": _flags(loss),
            "target": _grad_report(t), **_grad_report(x)}


def graph_structure() -> Dict[str, dict]:
    """How Function.apply links nodes, for the three kinds of parent, using Add (given)."""
    from mytorch import autograd_engine as engine
    leaf = _tensor(np.ones((2, 3)), requires_grad=True)
    const = _tensor(np.ones((2, 3)))
    mid = leaf + const
    top = mid + leaf
    both_const = const + const

    def kind(node):
        if node is None:
            return "None"
        if isinstance(node, engine.AccumulateGrad):
            return "AccumulateGrad"
        if isinstance(node, engine.BackwardFunction):
            return "BackwardFunction"
        return type(node).__name__

    def describe(t):
        fn = getattr(t, "grad_fn", None)
        nexts = list(getattr(fn, "next_functions", []) or []) if fn is not None else []
        return {**_flags(t), "grad_fn_kind": kind(fn),
                "next": [kind(n) for n in nexts],
                "next_vars_are_leaf": [getattr(n, "variable", None) is leaf for n in nexts]}

    report = {"mid": describe(mid), "top": describe(top), "both_const": describe(both_const),
              "leaf": _flags(leaf), "const": _flags(const)}
    top_fn = getattr(top, "grad_fn", None)
    nexts = list(getattr(top_fn, "next_functions", []) or []) if top_fn else []
    report["top_links_mid_grad_fn"] = bool(nexts) and nexts[0] is getattr(mid, "grad_fn", None)
    return report


def accumulate_across_calls(a: np.ndarray, b: np.ndarray) -> dict:
    """Two separate backward passes into the same leaves add up in .grad."""
    ta, tb = _tensor(a, True), _tensor(b, True)
    first = expressions.lookup("chain")(_MyTorchOps, ta, tb)["out"]
    first.backward()
    after_first = _data(ta.grad)
    second = expressions.lookup("diamond")(_MyTorchOps, ta, tb)["out"]
    second.backward()
    return {"after_first": after_first, "a": _grad_report(ta), "b": _grad_report(tb)}


# ---------------------------------------------------------------------------- layers
def _set(param, value: np.ndarray) -> None:
    param.data = np.array(value, dtype=np.float64)


def linear(weight: np.ndarray, bias: np.ndarray, x: np.ndarray, upstream: np.ndarray) -> dict:
    from mytorch.nn.linear import Linear
    out_features, in_features = weight.shape
    layer = Linear(in_features, out_features)
    report = _layer_with_weights(layer, weight, bias, x, upstream)
    report["initial"].update(weight_flags=_flags(layer.weight),
                             weight_is_parameter=bool(getattr(layer.weight, "is_parameter", False)))
    return report


def _layer_with_weights(layer, weight: np.ndarray, bias: np.ndarray, x: np.ndarray,
                        upstream: np.ndarray) -> dict:
    """A new layer's parameter shapes; then, with the given weights, forward and backward."""
    initial = {"weight_shape": list(_data(layer.weight).shape),
               "bias_shape": list(_data(layer.bias).shape),
               "n_parameters": len(list(layer.parameters()))}
    _set(layer.weight, weight)
    _set(layer.bias, bias)
    tx = _tensor(x, True)
    out = layer(tx)
    _backward(out, upstream)
    return {"initial": initial, "out": _data(out), "out_flags": _flags(out),
            "weight": _grad_report(layer.weight), "bias": _grad_report(layer.bias),
            "x": _grad_report(tx)}


def sequential(weights: List[np.ndarray], biases: List[np.ndarray], x: np.ndarray,
               upstream: np.ndarray) -> dict:
    """Linear -> ReLU -> Linear ... as a Sequential."""
    from mytorch.nn.activations import ReLU
    from mytorch.nn.linear import Linear
    from mytorch.nn.sequential import Sequential
    layers, linears = [], []
    for w, b in zip(weights, biases):
        layer = Linear(w.shape[1], w.shape[0])
        _set(layer.weight, w)
        _set(layer.bias, b)
        linears.append(layer)
        layers += [layer, ReLU()]
    model = Sequential(*layers[:-1])
    tx = _tensor(x, True)
    out = model(tx)
    _backward(out, upstream)
    return {"out": _data(out), "n_parameters": len(list(model.parameters())),
            "weights": [_grad_report(l.weight) for l in linears],
            "biases": [_grad_report(l.bias) for l in linears], "x": _grad_report(tx)}


def batchnorm(gamma: np.ndarray, beta: np.ndarray, batches: List[np.ndarray],
              upstreams: List[np.ndarray], eval_x: np.ndarray, eps: float,
              momentum: float) -> dict:
    """Train on several batches (forward + backward each), then evaluate one batch."""
    from mytorch.nn.batchnorm import BatchNorm1d
    bn = BatchNorm1d(gamma.shape[0], eps=eps, momentum=momentum)
    _set(bn.gamma, gamma)
    _set(bn.beta, beta)
    steps = []
    for x, upstream in zip(batches, upstreams):
        bn.gamma.grad = None
        bn.beta.grad = None
        tx = _tensor(x, True)
        out = bn(tx)
        _backward(out, upstream)
        steps.append({"out": _data(out), "x": _grad_report(tx), "gamma": _grad_report(bn.gamma),
                      "beta": _grad_report(bn.beta),
                      "running_mean": _data(bn.running_mean),
                      "running_var": _data(bn.running_var)})
    bn.eval()
    out = bn(_tensor(eval_x))
    return {"train": steps, "eval": {"out": _data(out), "running_mean": _data(bn.running_mean),
                                     "running_var": _data(bn.running_var)}}


# ---------------------------------------------------------------------------- optimizers
def optimizer_steps(kind: str, params: List[np.ndarray], grads: List[List[np.ndarray]],
                    options: dict) -> dict:
    """Give parameters fixed gradients and step; report the parameters after every step."""
    from mytorch.tensor import Tensor
    if kind == "sgd":
        from mytorch.optim.sgd import SGD as Optimizer
    else:
        from mytorch.optim.adam import Adam as Optimizer
    tensors = [_tensor(p, requires_grad=True, is_parameter=True) for p in params]
    optimizer = Optimizer(tensors, **options)
    history, grads_unchanged = [], True
    for step_grads in grads:
        optimizer.zero_grad()
        for t, g in zip(tensors, step_grads):
            t.grad = Tensor(np.array(g, dtype=np.float64))
        optimizer.step()
        for t, g in zip(tensors, step_grads):
            grads_unchanged &= bool(np.array_equal(_data(t.grad), g))
        history.append([_data(t) for t in tensors])
    return {"history": history, "grads_unchanged": grads_unchanged,
            "flags": [_flags(t) for t in tensors]}


# ---------------------------------------------------------------------------- Part 3: MNIST
def mnist_training(seed: int, columns: int = 100, interactive: bool = True) -> dict:
    """Run the target's hw1/mnist.py ``mnist()`` on MNIST (see mnist_harness.py)."""
    from autograder.worker import mnist_harness
    return mnist_harness.run(seed, columns, interactive)


# ---------------------------------------------------------------------------- Part 4.2: Conv2d
def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int,
           upstream: np.ndarray) -> dict:
    """A Conv2d layer with the given weights: forward, then backward seeded with ``upstream``."""
    from mytorch.nn.conv import Conv2d
    out_channels, in_channels, kernel_size, _ = weight.shape
    layer = Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)
    return _layer_with_weights(layer, weight, bias, x, upstream)


def flatten(x: np.ndarray, upstream: np.ndarray) -> dict:
    """Flatten: forward, then backward seeded with ``upstream``."""
    from mytorch.nn.conv import Flatten
    tx = _tensor(x, True)
    out = Flatten()(tx)
    _backward(out, upstream)
    return {"out": _data(out), "out_flags": _flags(out), "x": _grad_report(tx)}
