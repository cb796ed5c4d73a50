"""What the student process runs: builds MyTorch objects, runs them, reports what happened.

Every probe takes plain numpy inputs and returns plain data (arrays, numbers, flags).
Probes import the student's modules inside the function, so a file that fails to import
costs only the probes that need it.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Dict, List, Optional

import numpy as np

from autograder.common import expressions


# ---------------------------------------------------------------------------- helpers
def use_default_dtype(dtype: type) -> None:
    """``mytorch.set_default_dtype(dtype)``, when the student's package has it.

    The checks of Parts 1, 2, 4 and 5 run in float64 (the grader's tolerances are float64
    ones): with float64 as the default, a Python number in ``x * 0.5`` and a layer's new
    parameters are float64 like the inputs and parameter values the grader sends. Part 3
    trains with float32, the library's own default (mnist_harness.run).
    """
    import mytorch
    setter = getattr(mytorch, "set_default_dtype", None)
    if callable(setter):
        setter(dtype)


def _import_mytorch():
    """Import the student's package the way a user does (``import mytorch``, then the Tensor
    module first), so that a design with circular imports loads in the same order whichever
    probe runs first; set its default dtype to float64; return the Tensor class."""
    import mytorch  # noqa: F401
    from mytorch.tensor import Tensor
    use_default_dtype(np.float64)
    return Tensor


def _tensor(data, requires_grad: bool = False, is_parameter: bool = False):
    """A student Tensor: floats as float64, integer arrays (class labels) kept as integers."""
    Tensor = _import_mytorch()
    array = np.array(data)
    if array.dtype.kind not in "iu":
        array = array.astype(np.float64)
    return Tensor(array, requires_grad=requires_grad, is_parameter=is_parameter)


def _data(t) -> Optional[np.ndarray]:
    """A float64 copy of a student tensor's data (or None): later in-place updates must not
    change what was recorded."""
    if t is None:
        return None
    return np.array(getattr(t, "data", t), dtype=np.float64)


def _number(value) -> float:
    """A setting stored as a float or as a Tensor (eps, momentum), as a float."""
    return float(np.asarray(getattr(value, "data", value), dtype=np.float64))


def _flags(t) -> dict:
    return {"type": type(t).__name__,
            "requires_grad": bool(getattr(t, "requires_grad", False)),
            "is_leaf": bool(getattr(t, "is_leaf", True)),
            "has_grad_fn": getattr(t, "grad_fn", None) is not None,
            "has_grad": getattr(t, "grad", None) is not None}


def _grad_report(t) -> dict:
    """What a tensor holds in .grad, and whether that grad is a plain tensor: one that does
    not require grad (a grad_fn on it is the grad_fn-on-constants convention, charged by
    Part 1.2's constant_grad_fn check alone)."""
    grad = getattr(t, "grad", None)
    report = {"grad": _data(grad), "grad_type": type(grad).__name__}
    if grad is not None:
        report["grad_plain"] = not getattr(grad, "requires_grad", False)
    return report


# How the student's own Tensor.backward hands its seed to the engine: "tensor" or "array".
# Found once per process (see _seed_form) and then used for every upstream gradient.
_SEED_FORM: List[str] = []


def _seed_form() -> str:
    """Whether the student's engine takes gradients as Tensors or as numpy arrays.

    First ask the student's own ``Tensor.backward``: on ``a + b`` (Add is given) it calls
    ``autograd_engine.backward`` with its seed, which a spy records, however it passes it.
    If the spy sees no call (Tensor.backward holds its own reference to the engine
    function), try both forms on a fresh ``(a + b).T`` and keep the one that gives its
    gradient. Numpy arrays are the default when neither tells.
    """
    if _SEED_FORM:
        return _SEED_FORM[0]
    Tensor = _import_mytorch()
    from mytorch import autograd_engine
    engine_backward = autograd_engine.backward
    seen: List[object] = []

    def spy(*args, **kwargs):
        """The engine, noting the seed: the first argument, positional or by keyword
        (``backward(grad_fn=..., grad_of_outputs=...)``), that is an array or a Tensor."""
        seen.extend(value for value in (*args, *kwargs.values())
                    if isinstance(value, (np.ndarray, Tensor)))
        return engine_backward(*args, **kwargs)

    form = ""
    # The engine function under every name Tensor.backward can reach it by.
    names = [(autograd_engine, "backward")]
    tensor_globals = getattr(getattr(Tensor, "backward", None), "__globals__", {})
    names += [(tensor_globals, key) for key, value in list(tensor_globals.items())
              if value is engine_backward]
    for owner, key in names:
        _assign(owner, key, spy)
    try:
        a = _tensor(np.ones((2, 2)), True)
        (a + _tensor(np.ones((2, 2)), True)).backward()
    except Exception:   # noqa: BLE001 - a broken engine: the probing below decides
        pass
    finally:
        for owner, key in names:
            _assign(owner, key, engine_backward)
    if seen:
        form = "tensor" if isinstance(seen[0], Tensor) else "array"
    else:
        # (a + c).T seeded with s gives a the gradient s.T; Transpose's backward reads its
        # gradient's data (both given), which a seed of the wrong form does not have.
        seed = np.arange(1.0, 7.0).reshape(3, 2)
        for candidate in ("array", "tensor"):
            a = _tensor(np.ones((2, 3)), True)
            try:
                out = _transpose(a + _tensor(np.ones((2, 3))))
                engine_backward(out.grad_fn, _seed(seed, candidate))
            except Exception:   # noqa: BLE001 - this form does not work: try the other
                continue
            if np.array_equal(_data(getattr(a, "grad", None)), seed.T):
                form = candidate
                break
    _SEED_FORM.append(form or "array")
    return _SEED_FORM[0]


def _assign(owner, key: str, value) -> None:
    if isinstance(owner, dict):
        owner[key] = value
    else:
        setattr(owner, key, value)


def _seed(upstream, form: str):
    array = np.array(upstream, dtype=np.float64)
    if form == "tensor":
        from mytorch.tensor import Tensor
        return Tensor(array)
    return array


def _backward(out, upstream: Optional[np.ndarray]) -> None:
    """Backpropagate from ``out``: Tensor.backward() when no upstream gradient is given,
    else the engine's backward seeded with it, in the form the student's own
    Tensor.backward uses (a Tensor or a numpy array, see _seed_form)."""
    if upstream is None:
        out.backward()
    else:
        from mytorch import autograd_engine
        autograd_engine.backward(out.grad_fn, _seed(upstream, _seed_form()))


def _backward_if_graph(out, upstream: Optional[np.ndarray]) -> dict:
    """Backpropagate when ``out`` requires grad. On a constant ``out`` PyTorch raises and
    some designs do nothing: both are fine, so an error there is recorded, not raised."""
    if getattr(out, "requires_grad", False):
        _backward(out, upstream)
        return {"raised": ""}
    try:
        _backward(out, upstream)
    except Exception as error:   # noqa: BLE001 - raising here is what PyTorch does
        return {"raised": type(error).__name__}
    return {"raised": ""}


def _transpose(x):
    """x.T, whether the student's Tensor has ``T`` as a property or as a method ``T()``."""
    t = x.T
    return t() if callable(t) and not hasattr(t, "data") else t


class _MyTorchOps:
    """The ``ops`` of expressions.py for MyTorch."""

    transpose = staticmethod(_transpose)

    @staticmethod
    def relu(x):
        from mytorch.nn.activations import ReLU
        return ReLU()(x)

    @staticmethod
    def cross_entropy(logits, target):
        from mytorch.nn.loss import CrossEntropyLoss
        return CrossEntropyLoss()(logits, target)

    @staticmethod
    def find(mytorch: str, torch: Any) -> Any:
        """The student's ``mytorch.<mytorch>`` ("nn.activations.Tanh"); ``torch`` names the
        grader's equivalent (reference.TorchOps.find)."""
        _import_mytorch()
        module, _, name = f"mytorch.{mytorch}".rpartition(".")
        return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------------------- graph ops
def expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool],
               upstream: Optional[np.ndarray] = None, backward: bool = True,
               numbers_may_be_rejected: bool = False) -> dict:
    """Run ``expressions.<name>`` on student tensors, then backpropagate.

    ``numbers_may_be_rejected``: the computation mixes Tensors and Python numbers, and a
    Tensor whose operators take Tensors only may refuse with a TypeError (reported as
    ``rejected``, not raised)."""
    tensors = [_tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    try:
        named = expressions.lookup(name)(_MyTorchOps, *tensors)
    except TypeError as error:
        if not numbers_may_be_rejected:
            raise
        return {"rejected": f"TypeError: {error}"}
    out = named["out"]
    result = {"out": _data(out), "out_flags": _flags(out), "inputs": [], "intermediates": {},
              "backward": {"raised": ""}}
    if backward:
        result["backward"] = _backward_if_graph(out, upstream)
    for t in tensors:
        result["inputs"].append({**_flags(t), **_grad_report(t)})
    for key, t in named.items():
        if key != "out":
            result["intermediates"][key] = {**_flags(t), **_grad_report(t)}
    return result


def integer_target_cross_entropy(logits: np.ndarray, target: np.ndarray) -> dict:
    """cross_entropy with an integer label tensor that does not require grad."""
    _import_mytorch()
    x = _tensor(logits, True)
    t = _tensor(np.asarray(target, dtype=np.int64))
    loss = _MyTorchOps.cross_entropy(x, t)
    loss.backward()
    return {"out": _data(loss), "out_flags": _flags(loss),
            "target": _grad_report(t), **_grad_report(x)}


def graph_structure() -> Dict[str, dict]:
    """How Function.apply links nodes, for the three kinds of parent, using Add (given)."""
    _import_mytorch()
    leaf = _tensor(np.ones((2, 3)), requires_grad=True)
    const = _tensor(np.ones((2, 3)))
    mid = leaf + const
    top = mid + leaf
    both_const = const + const

    def kind(node):
        """The node's class by its name: a design may keep AccumulateGrad or BackwardFunction
        in another module than the engine's."""
        if node is None:
            return "None"
        for name in ("AccumulateGrad", "BackwardFunction"):
            if any(cls.__name__ == name for cls in type(node).__mro__):
                return name
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


def linear(weight: np.ndarray, bias: np.ndarray, x: np.ndarray, upstream: np.ndarray,
           x_requires_grad: bool = True, twice: bool = False) -> dict:
    """A Linear layer with the given weights; ``twice``: out = layer(layer(x)), so that each
    parameter is used twice (a square layer)."""
    _import_mytorch()
    from mytorch.nn.linear import Linear
    out_features, in_features = weight.shape
    layer = Linear(in_features, out_features)
    report = _layer_with_weights(layer, weight, bias, x, upstream, x_requires_grad, twice=twice)
    report["initial"].update(weight_flags=_flags(layer.weight),
                             weight_is_parameter=bool(getattr(layer.weight, "is_parameter", False)))
    return report


def _layer_with_weights(layer, weight: np.ndarray, bias: np.ndarray, x: np.ndarray,
                        upstream: Optional[np.ndarray], x_requires_grad: bool = True,
                        backward: bool = True, twice: bool = False) -> dict:
    """A new layer's parameter shapes; then, with the given weights, forward and (unless
    ``backward`` is False) backward seeded with ``upstream``."""
    initial = {"weight_shape": list(_data(layer.weight).shape),
               "bias_shape": list(_data(layer.bias).shape),
               "n_parameters": len(list(layer.parameters()))}
    _set(layer.weight, weight)
    _set(layer.bias, bias)
    tx = _tensor(x, x_requires_grad)
    out = layer(tx)
    if twice:
        out = layer(out)
    report = {"initial": initial, "out": _data(out), "out_flags": _flags(out)}
    if backward:
        _backward(out, upstream)
        report.update(weight=_grad_report(layer.weight), bias=_grad_report(layer.bias),
                      x=_grad_report(tx))
    return report


def sequential(weights: List[np.ndarray], biases: List[np.ndarray], x: np.ndarray,
               upstream: np.ndarray) -> dict:
    """Linear -> ReLU -> Linear ... as a Sequential."""
    _import_mytorch()
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
              upstreams: List[np.ndarray], eval_x: Optional[np.ndarray], eps: float,
              momentum: float, backward: bool = True) -> dict:
    """Train on several batches (forward, and backward unless ``backward`` is False), then,
    when ``eval_x`` is given, evaluate it (a separate call from the training check's, so that
    an eval-mode crash costs the eval check only)."""
    _import_mytorch()
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
        step = {"out": _data(out), "running_mean": _data(bn.running_mean),
                "running_var": _data(bn.running_var)}
        if backward:
            _backward(out, upstream)
            step.update(x=_grad_report(tx), gamma=_grad_report(bn.gamma),
                        beta=_grad_report(bn.beta))
        steps.append(step)
    if eval_x is None:
        return {"train": steps}
    bn.eval()
    out = bn(_tensor(eval_x))
    return {"train": steps, "eval": {"out": _data(out), "running_mean": _data(bn.running_mean),
                                     "running_var": _data(bn.running_var)}}


# ---------------------------------------------------------------------------- optimizers
# The grader's optimizer kinds (optimizer_checks.py) -> (module, class) in the student's package.
_OPTIMIZERS = {"sgd": ("mytorch.optim.sgd", "SGD"), "adam": ("mytorch.optim.adam", "Adam"),
              "adamw": ("mytorch.optim.adamw", "AdamW")}


def optimizer_steps(kind: str, params: List[np.ndarray], grads: List[List[np.ndarray]],
                    options: dict) -> dict:
    """Give parameters fixed gradients and step; report the parameters after every step, and
    what step() left in each .grad: "unchanged", "cleared" (None or zeros) or "changed"."""
    Tensor = _import_mytorch()
    module, name = _OPTIMIZERS[kind]
    Optimizer = getattr(importlib.import_module(module), name)
    tensors = [_tensor(p, requires_grad=True, is_parameter=True) for p in params]
    optimizer = Optimizer(tensors, **options)
    history, grads_after = [], []
    for step_grads in grads:
        optimizer.zero_grad()
        for t, g in zip(tensors, step_grads):
            t.grad = Tensor(np.array(g, dtype=np.float64))
        optimizer.step()
        for t, g in zip(tensors, step_grads):
            left = _data(getattr(t, "grad", None))
            grads_after.append("cleared" if left is None or not left.any() else
                               "unchanged" if np.array_equal(left, g) else "changed")
        history.append([_data(t) for t in tensors])
    return {"history": history, "grads_after": grads_after,
            "flags": [_flags(t) for t in tensors]}


# ---------------------------------------------------------------------------- Part 3: MNIST
def mnist_training(seed: int, columns: int = 100, interactive: bool = True,
                   sampled: tuple = ()) -> dict:
    """Run the target's hw1/mnist.py ``mnist()`` on MNIST (see mnist_harness.py)."""
    from autograder.worker import mnist_harness
    return mnist_harness.run(seed, columns, interactive, sampled)


# ---------------------------------------------------------------------------- Part 4.2: Conv2d
def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int,
           upstream: Optional[np.ndarray] = None, x_requires_grad: bool = True,
           backward: bool = True) -> dict:
    """A Conv2d layer with the given weights: forward, then (unless ``backward`` is False)
    backward seeded with ``upstream``. ``padding`` is passed only when there is some, so that
    a Conv2d without the argument is graded on every case without padding."""
    _import_mytorch()
    from mytorch.nn.conv import Conv2d
    out_channels, in_channels, kernel_size, _ = weight.shape
    layer = Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                   **({"padding": padding} if padding else {}))
    return _layer_with_weights(layer, weight, bias, x, upstream, x_requires_grad, backward)


def flatten(x: np.ndarray, upstream: np.ndarray) -> dict:
    """Flatten: forward, then backward seeded with ``upstream``."""
    _import_mytorch()
    from mytorch.nn.conv import Flatten
    tx = _tensor(x, True)
    out = Flatten()(tx)
    _backward(out, upstream)
    return {"out": _data(out), "out_flags": _flags(out), "x": _grad_report(tx)}


# ---------------------------------------------------------------------------- Part 5
def dropout(x: np.ndarray, p: float, upstream: np.ndarray, calls: int = 2,
            backward: bool = True) -> dict:
    """Dropout(p) called ``calls`` times in training mode on a fresh x requiring grad, each
    call followed (unless ``backward`` is False) by backward seeded with ``upstream``; then
    eval() and one more call.
    Reports every output, the mask the layer says it used (``layer.mask``) and x's gradient."""
    _import_mytorch()
    from mytorch.nn.dropout import Dropout
    layer = Dropout(p)
    train = []
    for _ in range(calls):
        tx = _tensor(x, True)
        out = layer(tx)
        mask = getattr(layer, "mask", None)
        report = {"out": _data(out), "out_flags": _flags(out),
                  "mask": None if mask is None else _data(mask)}
        if backward:
            _backward(out, upstream)
            report["x"] = _grad_report(tx)
        train.append(report)
    layer.eval()
    out = layer(_tensor(x))
    return {"train": train, "eval": {"out": _data(out), "is_train": bool(layer.is_train)}}


def initializer(name: str, shape: List[int], options: dict) -> dict:
    """``mytorch.nn.init.<name>(w, **options)`` on a parameter w of ``shape``: its values
    afterwards, and whether the call returned w itself."""
    _import_mytorch()
    from mytorch.nn import init
    weight = _tensor(np.zeros(shape), requires_grad=True, is_parameter=True)
    returned = getattr(init, name)(weight, **options)
    return {"data": _data(weight), "returned_same": returned is weight,
            "flags": _flags(weight)}


# ---------------------------------------------------------------------------- Part 5.6
def layer_norm(x: np.ndarray, normalized_shape, eps: float, weight: Optional[np.ndarray] = None,
               bias: Optional[np.ndarray] = None, upstream: Optional[np.ndarray] = None,
               backward: bool = True) -> dict:
    """``LayerNorm(normalized_shape, eps)`` (an int or a tuple, as given; without the affine
    transform when ``weight`` is None) called on x requiring grad, then (unless ``backward``
    is False) backward seeded with ``upstream``."""
    _import_mytorch()
    from mytorch.nn.normalization import LayerNorm
    shape = normalized_shape if isinstance(normalized_shape, int) else tuple(normalized_shape)
    affine = weight is not None
    layer = LayerNorm(shape, eps=eps, elementwise_affine=affine)
    initial = {"n_parameters": len(list(layer.parameters()))}
    if affine:
        initial.update(weight=_data(layer.weight), bias=_data(layer.bias))
        _set(layer.weight, weight)
        _set(layer.bias, bias)
    tx = _tensor(x, True)
    out = layer(tx)
    report = {"initial": initial, "out": _data(out), "out_flags": _flags(out)}
    if backward:
        _backward(out, upstream)
        report["x"] = _grad_report(tx)
        if affine:
            report.update(weight=_grad_report(layer.weight), bias=_grad_report(layer.bias))
    return report


_POOLS = ("MaxPool2d", "AvgPool2d")


def pool(kind: str, x: np.ndarray, kernel_size: int, stride: Optional[int],
         upstream: np.ndarray) -> dict:
    """``MaxPool2d`` or ``AvgPool2d`` (``kind``) with the given kernel size and stride (the
    layer's default when None) called on x requiring grad, then backward seeded with
    ``upstream``."""
    _import_mytorch()
    if kind not in _POOLS:
        raise ValueError(f"unknown pooling layer {kind!r}")
    from mytorch.nn import pooling
    options = {} if stride is None else {"stride": stride}
    tx = _tensor(x, True)
    out = getattr(pooling, kind)(kernel_size, **options)(tx)
    report = {"out": _data(out), "out_flags": _flags(out)}
    if tuple(np.shape(report["out"])) == tuple(np.shape(upstream)):
        _backward(out, upstream)
        report["x"] = _grad_report(tx)
    return report


# ---------------------------------------------------------------------------- Part 5.7
def _model(spec):
    """A MyTorch model from the grader's description (test_5_7_persistence_data.py):
    ["Linear", in, out], ["Conv2d", in, out, k], ["BatchNorm1d", n], ["ReLU"], ["Flatten"],
    ["Sequential", [layer, ...]], ["list", [layer, ...]] (a plain list attribute),
    ["Parameter", shape], ["Buffer", shape] (a Tensor that is not a parameter) and
    ["Module", {attribute: spec, ...}] (a Module subclass with those attributes, in order)."""
    _import_mytorch()
    from mytorch.nn.activations import ReLU
    from mytorch.nn.batchnorm import BatchNorm1d
    from mytorch.nn.conv import Conv2d, Flatten
    from mytorch.nn.linear import Linear
    from mytorch.nn.module import Module
    from mytorch.nn.sequential import Sequential
    kind, *args = spec
    if kind == "Sequential":
        return Sequential(*[_model(s) for s in args[0]])
    if kind == "list":
        return [_model(s) for s in args[0]]
    if kind in ("Parameter", "Buffer"):
        is_parameter = kind == "Parameter"
        return _tensor(np.random.normal(size=args[0]), is_parameter, is_parameter)
    if kind == "Module":
        class Model(Module):
            def forward(self, *inputs):
                raise NotImplementedError("not called by the grader")
        model = Model()
        for name, child in args[0].items():
            setattr(model, name, _model(child))
        return model
    layers = {"Linear": Linear, "Conv2d": Conv2d, "BatchNorm1d": BatchNorm1d, "ReLU": ReLU,
              "Flatten": Flatten}
    return layers[kind](*args)


def _resolve(model, name: str):
    """The Tensor a dotted state-dict name leads to ("layers.0.weight"), by attributes and
    list indices, or None when there is none."""
    found = model
    for part in name.split("."):
        if isinstance(found, (list, tuple)):
            found = found[int(part)] if part.isdigit() and int(part) < len(found) else None
        else:
            found = getattr(found, part, None)
        if found is None:
            return None
    return found


def state_dict(spec, names: List[str]) -> dict:
    """A new model's ``state_dict()``: its keys in order, each value, and the data of the
    Tensor that each of ``names`` leads to in the model."""
    model = _model(spec)
    state = model.state_dict()
    return {"keys": [str(k) for k in state], "values": {str(k): _data(v) for k, v in state.items()},
            "tensors": {name: _data(_resolve(model, name)) for name in names}}


def load_state_dict(spec, state: Dict[str, np.ndarray]) -> dict:
    """``load_state_dict(state)`` on a new model: the data afterwards of the Tensor each name
    leads to, and whether it is still the Tensor object the model held before the call."""
    model = _model(spec)
    before = {name: _resolve(model, name) for name in state}
    model.load_state_dict({name: np.array(value) for name, value in state.items()})
    after = {name: _resolve(model, name) for name in state}
    return {"tensors": {name: _data(t) for name, t in after.items()},
            "same_objects": [name for name in state if after[name] is before[name]]}


def load_state_dict_errors(spec, state: Dict[str, np.ndarray],
                           broken: Dict[str, Dict[str, np.ndarray]]) -> dict:
    """``load_state_dict`` with ``state`` (right: an error there is the student's, raised as
    any other), then with each of ``broken``: the type and message of what each of those
    calls raised ("" when nothing)."""
    _model(spec).load_state_dict({name: np.array(value) for name, value in state.items()})
    results = {}
    for label, attempt in broken.items():
        model = _model(spec)
        try:
            model.load_state_dict({name: np.array(value) for name, value in attempt.items()})
            results[label] = {"raised": "", "message": ""}
        except Exception as error:   # noqa: BLE001 - raising is what is checked
            results[label] = {"raised": type(error).__name__, "message": str(error)[:2000]}
    return results


def save_and_load(spec) -> dict:
    """``mytorch.save(model.state_dict(), path)``, then what numpy reads from the file
    (``allow_pickle=False``) and what ``mytorch.load(path)`` returns; finally whether
    ``mytorch.load`` refuses an .npz file holding a pickled object."""
    import tempfile
    import zipfile
    import mytorch
    state = _model(spec).state_dict()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        mytorch.save(state, path)
        report = {"state": {str(k): _data(v) for k, v in state.items()},
                  "files": sorted(os.listdir(folder)),
                  "is_npz": os.path.isfile(path) and zipfile.is_zipfile(path)}
        if report["is_npz"]:
            with np.load(path, allow_pickle=False) as archive:
                report["in_file"] = {name: _data(archive[name]) for name in archive.files}
            loaded = mytorch.load(path)
            report["loaded"] = {str(name): _data(loaded[name]) for name in loaded}
        pickled = os.path.join(folder, "pickled.npz")
        np.savez(pickled, weight=np.array([{"not": "an array"}], dtype=object))
        try:
            loaded = mytorch.load(pickled)
            report["pickle_loaded"] = [type(loaded[name]).__name__ for name in loaded]
        except Exception as error:   # noqa: BLE001 - refusing the file is what is checked
            report["pickle_refused"] = type(error).__name__
    return report


def data_loader(arrays: List[np.ndarray], options: dict, epochs: int,
                seeds: List[Optional[int]]) -> dict:
    """One ``DataLoader`` per seed in ``seeds`` on ``arrays`` (one array: the array itself;
    several: their tuple), each with ``options`` and that seed (none when None), iterated
    ``epochs`` times. Reports len() and, per epoch, every batch: the type of what the loader
    yielded, and the data and flags of each Tensor in it."""
    _import_mytorch()
    from mytorch.utils.data import DataLoader
    dataset = arrays[0] if len(arrays) == 1 else tuple(arrays)
    loaders = []
    for seed in seeds:
        extra = {} if seed is None else {"seed": seed}
        loader = DataLoader(dataset, **options, **extra)
        runs = []
        for _ in range(epochs):
            batches = []
            for batch in loader:
                parts = list(batch) if isinstance(batch, (tuple, list)) else [batch]
                batches.append({"type": type(batch).__name__,
                                "parts": [np.asarray(getattr(p, "data", p)) for p in parts],
                                "flags": [_flags(p) for p in parts]})
            runs.append(batches)
        loaders.append({"len": len(loader), "epochs": runs})
    return {"loaders": loaders}


# ---------------------------------------------------------------------------- Part 5.8
def toy_task(task: str, seed: int) -> dict:
    """Run the target's hw1/toys.py ``xor`` or ``moons`` (see toys_harness.py)."""
    from autograder.worker import toys_harness
    return toys_harness.run(task, seed)


# ---------------------------------------------------------------------------- Part 5.9
def _viz_expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool]):
    """``expressions.<name>`` on student tensors, and the student's ``mytorch.viz``."""
    tensors = [_tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    out = expressions.lookup(name)(_MyTorchOps, *tensors)["out"]
    return out, importlib.import_module("mytorch.viz")


def viz_graph(name: str, inputs: List[np.ndarray], requires_grad: List[bool]) -> dict:
    """``viz.graph(out)`` for ``expressions.<name>``, as plain lists: nodes as (name, shape or
    None), edges as (i, j). What is not in that form is reported as what it is."""
    out, viz = _viz_expression(name, inputs, requires_grad)
    returned = viz.graph(out)
    try:
        nodes, edges = returned
        nodes = [[str(name), None if shape is None else [int(n) for n in shape]]
                 for name, shape in nodes]
        edges = [[int(i), int(j)] for i, j in edges]
    except (TypeError, ValueError) as error:
        return {"malformed": f"{type(returned).__name__}: {error}"}
    return {"nodes": nodes, "edges": edges}


def viz_draw(name: str, inputs: List[np.ndarray], requires_grad: List[bool]) -> dict:
    """``viz.draw(out, path)`` for ``expressions.<name>``: what was written at ``path``."""
    import tempfile
    from pathlib import Path
    from autograder.worker.mnist_harness import PNG_SIGNATURE
    out, viz = _viz_expression(name, inputs, requires_grad)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.png"
        viz.draw(out, path)
        written = path.read_bytes() if path.is_file() else b""
    return {"size": len(written), "png": written[:8] == PNG_SIGNATURE}
