"""Probes of Part 5.7: models built from a description, state_dict, save and load, DataLoader."""
from __future__ import annotations

import os
from typing import Dict, List, Optional

import numpy as np

from autograder.worker.probes import adapters


def _model(spec):
    """A MyTorch model from the grader's description (test_5_7_persistence_data.py):
    ["Linear", in, out], ["Conv2d", in, out, k], ["BatchNorm1d", n], ["ReLU"], ["Flatten"],
    ["Sequential", [layer, ...]], ["list", [layer, ...]] (a plain list attribute),
    ["Parameter", shape], ["Buffer", shape] (a Tensor that is not a parameter) and
    ["Module", {attribute: spec, ...}] (a Module subclass with those attributes, in order)."""
    adapters.import_mytorch()
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
        return adapters.tensor(np.random.normal(size=args[0]), is_parameter, is_parameter)
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
    return {"keys": [str(k) for k in state], "values": {str(k): adapters.data(v) for k, v in state.items()},
            "tensors": {name: adapters.data(_resolve(model, name)) for name in names}}


def load_state_dict(spec, state: Dict[str, np.ndarray]) -> dict:
    """``load_state_dict(state)`` on a new model: the data afterwards of the Tensor each name
    leads to, and whether it is still the Tensor object the model held before the call."""
    model = _model(spec)
    before = {name: _resolve(model, name) for name in state}
    model.load_state_dict({name: np.array(value) for name, value in state.items()})
    after = {name: _resolve(model, name) for name in state}
    return {"tensors": {name: adapters.data(t) for name, t in after.items()},
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
        report = {"state": {str(k): adapters.data(v) for k, v in state.items()},
                  "files": sorted(os.listdir(folder)),
                  "is_npz": os.path.isfile(path) and zipfile.is_zipfile(path)}
        if report["is_npz"]:
            with np.load(path, allow_pickle=False) as archive:
                report["in_file"] = {name: adapters.data(archive[name]) for name in archive.files}
            loaded = mytorch.load(path)
            report["loaded"] = {str(name): adapters.data(loaded[name]) for name in loaded}
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
    adapters.import_mytorch()
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
                                "flags": [adapters.flags(p) for p in parts]})
            runs.append(batches)
        loaders.append({"len": len(loader), "epochs": runs})
    return {"loaders": loaders}


PROBES = {"state_dict": state_dict, "load_state_dict": load_state_dict, "load_state_dict_errors": load_state_dict_errors, "save_and_load": save_and_load, "data_loader": data_loader}
