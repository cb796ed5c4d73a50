"""Part 5.7 (extension track): state_dict / load_state_dict, mytorch.save / load, DataLoader.

A model's state is graded against PyTorch's state_dict of the same structure: the student's
model and a PyTorch twin are built from one description (MODELS); a MyTorch Sequential keeps
its layers in the list ``layers``, whose PyTorch twin is an nn.ModuleList, and MyTorch's
BatchNorm1d calls its weight and bias gamma and beta and keeps no num_batches_tracked
(BATCHNORM_NAMES translates). The DataLoader is graded by what a user sees (every sample once
per epoch, batch sizes, the same seed giving the same order), never against PyTorch's
random order.
"""
from typing import Dict, List

import numpy as np
import pytest
import torch

from autograder.grader.compare import check_close, check_equal, fail
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.persistence_data

# Model descriptions, built by probes/persistence.py, _model in the student process and by torch_model here.
MODELS = {
    "sequential": ["Sequential", [["Linear", 4, 8], ["ReLU"], ["Linear", 8, 3]]],
    "batchnorm": ["Sequential", [["Linear", 5, 6], ["BatchNorm1d", 6], ["ReLU"], ["Linear", 6, 2]]],
    # A Module of its own: a parameter and a buffer of its own, a Sequential, a list of modules.
    "nested": ["Module", {"features": ["Sequential", [["Conv2d", 2, 3, 3], ["ReLU"], ["Flatten"]]],
                          "scale": ["Parameter", [3]],
                          "blocks": ["list", [["Linear", 12, 5], ["ReLU"], ["BatchNorm1d", 5]]],
                          "head": ["Linear", 5, 2],
                          "steps": ["Buffer", [2]]}],
}
BATCHNORM_NAMES = {"weight": "gamma", "bias": "beta"}
# The broken states of the errors check, per model: a missing key, an unexpected one, and a
# shape numpy would broadcast into the Tensor without complaint.
BROKEN = {"batchnorm": {"missing": "layers.3.bias", "unexpected": "layers.4.weight",
                        "shape": ("layers.3.bias", (1, 2))},
          "nested": {"missing": "blocks.2.running_var", "unexpected": "head.scale",
                     "shape": ("scale", (1,))}}


def torch_model(spec) -> torch.nn.Module:
    """PyTorch's twin of a model description (see probes/persistence.py, _model)."""
    kind, *args = spec
    if kind == "Sequential":
        twin = torch.nn.Module()
        twin.layers = torch.nn.ModuleList([torch_model(s) for s in args[0]])
        return twin
    if kind == "list":
        return torch.nn.ModuleList([torch_model(s) for s in args[0]])
    if kind == "Module":
        twin = torch.nn.Module()
        for name, (child, *shape) in args[0].items():
            if child == "Parameter":
                setattr(twin, name, torch.nn.Parameter(torch.zeros(shape[0], dtype=torch.float64)))
            elif child == "Buffer":
                twin.register_buffer(name, torch.zeros(shape[0], dtype=torch.float64))
            else:
                setattr(twin, name, torch_model([child, *shape]))
        return twin
    layers = {"Linear": torch.nn.Linear, "Conv2d": torch.nn.Conv2d,
              "BatchNorm1d": torch.nn.BatchNorm1d, "ReLU": torch.nn.ReLU, "Flatten": torch.nn.Flatten}
    return layers[kind](*args)


def expected_shapes(spec) -> Dict[str, tuple]:
    """PyTorch's state_dict names and shapes for the description, in MyTorch's names."""
    twin = torch_model(spec)
    shapes = {}
    for key, value in twin.state_dict().items():
        owner, _, leaf = key.rpartition(".")
        if isinstance(twin.get_submodule(owner), torch.nn.BatchNorm1d):
            if leaf == "num_batches_tracked":
                continue
            leaf = BATCHNORM_NAMES.get(leaf, leaf)
        shapes[f"{owner}.{leaf}" if owner else leaf] = tuple(value.shape)
    return shapes


def _what(model: str) -> str:
    return f"the '{model}' model"


def _context(model: str) -> str:
    return f"{MODELS[model]}; PyTorch's state_dict names for it: {sorted(expected_shapes(MODELS[model]))}"


def _random_state(rng, model: str) -> Dict[str, np.ndarray]:
    return {name: rng.normal(size=shape) for name, shape in expected_shapes(MODELS[model]).items()}


@pytest.mark.check("state_dict")
@pytest.mark.parametrize("model", MODELS)
def test_state_dict_names_and_values(student, model):
    shapes = expected_shapes(MODELS[model])
    got = student.run("state_dict", spec=MODELS[model], names=list(shapes))
    what, context = f"{_what(model)}.state_dict()", _context(model)
    keys = got["keys"]
    check_equal(len(keys), len(set(keys)), what=f"{what}: every name once", context=context,
                hint=HINTS["state_dict_names"])
    missing, extra = sorted(set(shapes) - set(keys)), sorted(set(keys) - set(shapes))
    if missing or extra:
        fail(f"{what}: the names", f"missing {missing}, not in PyTorch's {extra}", context,
             HINTS["state_dict_names"])
    for name, shape in shapes.items():
        check_equal(tuple(np.shape(got["values"][name])), shape, what=f"{what}['{name}'].shape",
                    context=context, hint=HINTS["state_dict_names"])
        check_close(got["values"][name], got["tensors"][name], context=context,
                    what=f"{what}['{name}'] against the model's Tensor {name}",
                    hint=HINTS["state_dict_names"])


@pytest.mark.check("load_state_dict")
@pytest.mark.parametrize("model", MODELS)
def test_load_state_dict(student, rng, model):
    state = _random_state(rng, model)
    got = student.run("load_state_dict", spec=MODELS[model], state=state)
    what, context = f"{_what(model)}.load_state_dict(state)", _context(model)
    for name, value in state.items():
        check_close(got["tensors"][name], value, what=f"{what}: the Tensor {name} afterwards",
                    context=context, hint=HINTS["load_state_dict"])
    replaced = sorted(set(state) - set(got["same_objects"]))
    if replaced:
        fail(f"{what}: Tensors replaced by new objects", f"{replaced} are new Tensors, so an "
             "optimizer holding the old ones no longer updates the model", context,
             HINTS["load_state_dict"])


@pytest.mark.check("errors")
@pytest.mark.parametrize("model", BROKEN)
def test_load_state_dict_errors(student, rng, model):
    state = _random_state(rng, model)
    plan = BROKEN[model]
    shape_key, wrong_shape = plan["shape"]
    broken = {"missing": {k: v for k, v in state.items() if k != plan["missing"]},
              "unexpected": {**state, plan["unexpected"]: rng.normal(size=3)},
              "shape": {**state, shape_key: rng.normal(size=wrong_shape)}}
    keys = {"missing": plan["missing"], "unexpected": plan["unexpected"], "shape": shape_key}
    got = student.run("load_state_dict_errors", spec=MODELS[model], state=state, broken=broken)
    what, context = f"{_what(model)}.load_state_dict", _context(model)
    cases = {"missing": f"a state without '{keys['missing']}'",
             "unexpected": f"a state with an extra '{keys['unexpected']}'",
             "shape": f"a state whose '{shape_key}' has shape {wrong_shape}"}
    for label, description in cases.items():
        result = got[label]
        if not result["raised"]:
            fail(f"{what} with {description}", "raised no error", context,
                 HINTS["load_state_dict_errors"])
        if keys[label] not in result["message"]:
            fail(f"{what} with {description}", f"the error does not name '{keys[label]}': "
                 f"{result['raised']}: {result['message']}", context,
                 HINTS["load_state_dict_errors"])


@pytest.mark.check("save")
@pytest.mark.parametrize("model", ["batchnorm", "nested"])
def test_save_and_load(student, model):
    got = student.run("save_and_load", spec=MODELS[model])
    what, context = "mytorch.save(model.state_dict(), 'model.npz')", _context(model)
    if not got["is_npz"]:
        fail(what, f"no .npz archive at the path given; the folder holds {got['files']}",
             context, HINTS["save_npz"])
    state = got["state"]
    for source, label in (("in_file", "the file, read by np.load"),
                          ("loaded", "mytorch.load('model.npz')")):
        check_equal(sorted(got[source]), sorted(state), what=f"{what}: the names in {label}",
                    context=context, hint=HINTS["save_npz"])
        for name, value in state.items():
            check_close(got[source][name], value, what=f"{what}: '{name}' in {label}",
                        context=context, hint=HINTS["save_npz"])
    if "pickle_refused" not in got:
        fail("mytorch.load on an .npz file holding a pickled object",
             f"loaded it ({got['pickle_loaded']}) instead of refusing it", context,
             HINTS["save_npz"])


# ---------------------------------------------------------------------------- DataLoader
def _dataset(n: int):
    """x row i = (i, 1000 + i), float; y = i, integer: every sample says which it is."""
    index = np.arange(n)
    return np.stack([index, 1000 + index], axis=1).astype(np.float64), index.astype(np.int64)


def _samples(batches: List[dict], what: str, context: str, pair: bool) -> List[List[int]]:
    """The sample indices of every batch, after checking the batch's form and that x and y
    rows belong together."""
    found = []
    for number, batch in enumerate(batches, start=1):
        where = f"{what}, batch {number}"
        check_equal(len(batch["parts"]), 2 if pair else 1, what=f"{where}: Tensors yielded "
                    f"(got a {batch['type']})", context=context, hint=HINTS["data_loader_batches"])
        for flags in batch["flags"]:
            check_equal((flags["type"], flags["requires_grad"]), ("Tensor", False),
                        what=f"{where}: (type, requires_grad)", context=context,
                        hint=HINTS["data_loader_batches"])
        x = np.asarray(batch["parts"][0])
        check_equal(x.ndim == 2 and x.shape[1:] == (2,), True, what=f"{where}: x of shape "
                    f"(batch, 2), got {x.shape}", context=context, hint=HINTS["data_loader_batches"])
        rows = x[:, 0].astype(np.int64)
        check_close(x[:, 1], 1000 + rows, what=f"{where}: x rows kept whole", context=context,
                    hint=HINTS["data_loader_batches"])
        if pair:
            check_close(batch["parts"][1], rows, what=f"{where}: y against x (the same rows)",
                        context=context, hint=HINTS["data_loader_batches"])
        found.append(rows.tolist())
    return found


def _run_loader(student, n: int, pair: bool, options: dict, epochs: int = 1, seeds=(None,)):
    x, y = _dataset(n)
    got = student.run("data_loader", arrays=[x, y] if pair else [x], options=options,
                      epochs=epochs, seeds=list(seeds))
    what = f"DataLoader({'(x, y)' if pair else 'x'}, " + ", ".join(
        f"{k}={v}" for k, v in options.items()) + ")"
    context = f"{n} samples; x row i = (i, 1000 + i)" + ("; y = i" if pair else "")
    loaders = []
    for loader, seed in zip(got["loaders"], seeds):
        label = what if seed is None else f"{what[:-1]}, seed={seed})"
        loaders.append({"len": loader["len"], "what": label,
                        "epochs": [_samples(batches, f"{label}, epoch {k}", context, pair)
                                   for k, batches in enumerate(loader["epochs"], start=1)]})
    return loaders, context


def _check_epoch(batches: List[List[int]], n: int, batch_size: int, drop_last: bool,
                 what: str, context: str) -> None:
    """Batch sizes, and every sample at most once (exactly once without drop_last)."""
    full, rest = divmod(n, batch_size)
    sizes = [batch_size] * full + ([] if drop_last or not rest else [rest])
    check_equal([len(b) for b in batches], sizes, what=f"{what}: batch sizes", context=context,
                hint=HINTS["data_loader_batches"])
    seen = sorted(i for b in batches for i in b)
    if len(set(seen)) != len(seen) or (not drop_last and seen != list(range(n))):
        fail(f"{what}: the samples of one epoch", f"expected each of the {n} samples "
             f"{'at most' if drop_last else 'exactly'} once, got {seen}", context,
             HINTS["data_loader_shuffle"] if len(set(seen)) != len(seen) else
             HINTS["data_loader_batches"])


# (N, pair, options): a last batch that is smaller, dropped, the only one, or full.
IN_ORDER = [(10, True, {"batch_size": 3}), (10, True, {"batch_size": 3, "drop_last": True}),
            (10, False, {"batch_size": 4}), (5, True, {"batch_size": 8}),
            (5, True, {"batch_size": 8, "drop_last": True}), (12, True, {"batch_size": 4})]


@pytest.mark.check("batches")
@pytest.mark.parametrize("n,pair,options", IN_ORDER, ids=[
    f"n{n}_{'xy' if pair else 'x'}_batch{o['batch_size']}{'_drop_last' if o.get('drop_last') else ''}"
    for n, pair, o in IN_ORDER])
def test_batches_in_order(student, n, pair, options):
    (loader,), context = _run_loader(student, n, pair, options, epochs=2)
    batch_size, drop_last = options["batch_size"], options.get("drop_last", False)
    expected_len = n // batch_size if drop_last else -(-n // batch_size)
    check_equal(loader["len"], expected_len, what=f"len({loader['what']})", context=context,
                hint=HINTS["data_loader_batches"])
    for number, batches in enumerate(loader["epochs"], start=1):
        what = f"{loader['what']}, epoch {number}"
        _check_epoch(batches, n, batch_size, drop_last, what, context)
        kept = (n // batch_size) * batch_size if drop_last else n
        check_equal([i for b in batches for i in b], list(range(kept)), what=f"{what}: the "
                    "order without shuffle", context=context, hint=HINTS["data_loader_batches"])


@pytest.mark.check("shuffle")
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffle_per_epoch_and_per_seed(student, drop_last):
    """Three loaders (seeds 7, 7 and 8), three epochs each. A correct loader fails only if
    two of its permutations of 50 samples coincide: odds below 1e-60."""
    n, batch_size, epochs = 50, 8, 3
    options = {"batch_size": batch_size, "shuffle": True, "drop_last": drop_last}
    (first, twin, other), context = _run_loader(student, n, True, options, epochs, (7, 7, 8))
    for loader in (first, twin, other):
        for number, batches in enumerate(loader["epochs"], start=1):
            _check_epoch(batches, n, batch_size, drop_last, f"{loader['what']}, epoch "
                         f"{number}", context)
    orders = [[i for b in batches for i in b] for batches in first["epochs"]]
    if any(order == sorted(order) for order in orders):
        fail(f"{first['what']}: the order of an epoch", "is not shuffled", context,
             HINTS["data_loader_shuffle"])
    if len({tuple(order) for order in orders}) < epochs:
        fail(f"{first['what']}: the orders of its {epochs} epochs", "repeat: each epoch must "
             "draw a new permutation", context, HINTS["data_loader_shuffle"])
    if twin["epochs"] != first["epochs"]:
        fail(f"two loaders with seed 7", "gave different batches: the same seed must give the "
             "same epochs", context, HINTS["data_loader_shuffle"])
    if other["epochs"][0] == first["epochs"][0]:
        fail("loaders with seeds 7 and 8", "gave the same first epoch: the seed is not used",
             context, HINTS["data_loader_shuffle"])
