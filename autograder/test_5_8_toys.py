"""Part 5.8 (extension track): XOR and two moons, trained with MyTorch; the grader measures.

The student process runs ``hw1.toys.xor(SEED, path)`` and ``hw1.toys.moons(SEED, path)`` once
each and sends back the returned model's layers (every parameter with its dtype), the losses
seen while it trained, and whether the decision-boundary plot was written. The score never
takes the student's word for the accuracy: this process checks every parameter's shape and
dtype (a Linear chain from 2 inputs to 2 logits, one bias entry per output: nothing that
could broadcast over the evaluation points), rebuilds the model in PyTorch (float64) and
classifies HELD_OUT points that it draws itself, from the task's distribution, with a
generator the student's code never sees.

Threshold: THRESHOLD = 95%. The reference reaches 98.4-99.4% (seeds 0-4, 5,000 points; the
noise makes about 0.5% of XOR's and 1% of the moons' points unreachable); a linear model (no
hidden ReLU) gets about 50% on XOR and 87% on the moons.
"""
import math

import numpy as np
import pytest
import torch

from autograder.grader import reference
from autograder.grader.compare import check_equal, fail
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.toys

SEED = 0                       # passed to the task; np.random.seed(SEED) before it runs
THRESHOLD = 0.95
HELD_OUT = 2000
MIN_LOSSES = 10                # training steps seen (CrossEntropyLoss calls)
XOR_NOISE, MOONS_NOISE = 0.35, 0.15           # the distributions of the writeup
ACTIVATIONS = {"ReLU": torch.relu, "Tanh": torch.tanh, "Sigmoid": torch.sigmoid}


@pytest.fixture(scope="module")
def xor_run(student):
    return student.run("toy_task", task="xor", seed=SEED)       # within [time] parts.toys


@pytest.fixture(scope="module")
def moons_run(student):
    return student.run("toy_task", task="moons", seed=SEED)


def xor_points(generator: torch.Generator):
    corner = torch.randint(0, 2, (HELD_OUT, 2), generator=generator)
    noise = torch.randn(HELD_OUT, 2, generator=generator, dtype=torch.float64)
    return (2.0 * corner - 1.0) + XOR_NOISE * noise, corner[:, 0] ^ corner[:, 1]


def moons_points(generator: torch.Generator):
    label = torch.randint(0, 2, (HELD_OUT,), generator=generator)
    angle = math.pi * torch.rand(HELD_OUT, generator=generator, dtype=torch.float64)
    upper = torch.stack([angle.cos(), angle.sin()], dim=1)
    lower = torch.stack([1.0 - angle.cos(), 0.5 - angle.sin()], dim=1)
    noise = torch.randn(HELD_OUT, 2, generator=generator, dtype=torch.float64)
    return torch.where(label[:, None] == 0, upper, lower) + MOONS_NOISE * noise, label


def parameter(entry: dict, name: str, shapes, what: str) -> torch.Tensor:
    """A Linear parameter after checking its dtype and that its shape is one of ``shapes``."""
    found = entry.get(name) or {}
    if found.get("values") is None or not found["dtype"].startswith("float"):
        fail(f"{what}: {name}", f"must hold floats, found dtype {found.get('dtype')}",
             hint=HINTS["toys_model"])
    if tuple(found["shape"]) not in shapes:
        fail(f"{what}: {name}", f"has shape {tuple(found['shape'])}, expected "
             f"{' or '.join(map(str, shapes))}", hint=HINTS["toys_model"])
    return reference.tensor(found["values"])


def rebuild(run: dict, task: str):
    """The returned model as a PyTorch function, after checking every layer."""
    what = f"hw1/toys.py {task}(): the returned model"
    if run["layers"] is None:
        fail(what, f"must be a Sequential (with .layers), got a {run['returned_type']}",
             hint=HINTS["toys_model"])
    steps, width = [], 2
    for index, entry in enumerate(run["layers"]):
        layer = f"{what}, layer {index} ({entry['kind']})"
        if entry["kind"] == "Linear":
            shape = tuple(entry["weight"]["shape"])
            fits = len(shape) == 2 and shape[1] == width          # (out_features, width)
            weight = parameter(entry, "weight", [shape if fits else ("out_features", width)],
                               layer)
            width = weight.shape[0]
            bias = parameter(entry, "bias", [(width,), (1, width)], layer).reshape(-1)
            steps.append(lambda x, w=weight, b=bias: x @ w.T + b)
        elif entry["kind"] in ACTIVATIONS:
            steps.append(ACTIVATIONS[entry["kind"]])
        else:
            fail(layer, f"only Linear and {', '.join(ACTIVATIONS)} layers are expected here",
                 hint=HINTS["toys_model"])
    check_equal(width, 2, what=f"{what}: number of outputs (one logit per class)",
                hint=HINTS["toys_model"])

    def model(x: torch.Tensor) -> torch.Tensor:
        for step in steps:
            x = step(x)
        return x
    return model


def check_trained(run: dict, task: str) -> None:
    losses = np.asarray(run["losses"])
    what = f"hw1/toys.py {task}(): training"
    if len(losses) < MIN_LOSSES or not losses[-1] < losses[0]:
        seen = f", from {losses[0]:.4g} to {losses[-1]:.4g}" if len(losses) else ""
        fail(what, f"at least {MIN_LOSSES} steps that lower the loss are expected; "
             f"{len(losses)} losses computed with CrossEntropyLoss{seen}",
             hint=HINTS["toys_training"])


def check_accuracy(run: dict, task: str, points, rng: np.random.Generator) -> None:
    model = rebuild(run, task)
    check_trained(run, task)
    generator = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
    x, y = points(generator)
    with torch.no_grad():
        accuracy = float((model(x).argmax(dim=1) == y).double().mean())
    if not accuracy >= THRESHOLD:
        fail(f"hw1/toys.py {task}(): the trained model is not accurate enough",
             f"the grader measured {100 * accuracy:.2f}% on {HELD_OUT} points it drew from "
             f"the task's distribution; at least {100 * THRESHOLD:.0f}% is needed",
             hint=HINTS["toys_accuracy"])


@pytest.mark.check("xor")
def test_xor(xor_run, rng):
    check_accuracy(xor_run, "xor", xor_points, rng)


@pytest.mark.check("moons")
def test_moons(moons_run, rng):
    check_accuracy(moons_run, "moons", moons_points, rng)


@pytest.mark.check("plots")
def test_plots(xor_run, moons_run):
    for task, run in (("xor", xor_run), ("moons", moons_run)):
        check_equal(run["plot_written"], True, what=f"hw1/toys.py {task}() draws its decision "
                    f"boundary to the path it is given ({run['plot_path']})",
                    hint=HINTS["toys_plot"])
