"""Part 5.8 (optional): two toy classifications that make learning visible.

XOR: points around the four corners (+-1, +-1) of a square, labelled 1 where the signs of
the corner differ; no straight line separates the classes. Two moons: two interleaved half
circles. Each task builds its training set from a seed, trains a small MLP made of Part 1-2
pieces only (Linear, ReLU, CrossEntropyLoss, SGD with momentum) and draws the decision
boundary the model learnt (``plot_decision_boundary``, given).

``./grade.sh toys`` calls ``xor(seed, path)`` and ``moons(seed, path)`` as the grader does,
writes the two plots to hw1/xor_boundary.png and hw1/moons_boundary.png, and grades the
returned models on points the grader draws itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple, Union

import numpy as np

from mytorch.nn.activations import ReLU
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

N_TRAIN = 400                 # training points per task
XOR_NOISE = 0.35              # std of the Gaussian around each corner
MOONS_NOISE = 0.15            # std of the Gaussian added to each point of a moon
HIDDEN = 16
STEPS = 300                   # full-batch steps of SGD
LR, MOMENTUM = 0.1, 0.9


def xor_data(n: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """``n`` points (n, 2) and labels (n,) in {0, 1}, drawn with ``np.random.default_rng(seed)``.

    Each point picks one of the corners (-1, -1), (-1, 1), (1, -1), (1, 1) with equal
    probability and adds N(0, XOR_NOISE**2) to each coordinate; its label is 1 where the
    corner's two signs differ (the exclusive or of "x > 0" and "y > 0"), else 0.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, 2, size=(n, 2))
    x = (2.0 * corner - 1.0) + XOR_NOISE * rng.normal(size=(n, 2))
    return x, (corner[:, 0] ^ corner[:, 1]).astype(np.int64)
    ### END SOLUTION


def moons_data(n: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """``n`` points (n, 2) and labels (n,) in {0, 1}, drawn with ``np.random.default_rng(seed)``.

    Each point picks its label with equal probability and an angle t uniform in [0, pi]; label
    0 lies on the upper moon (cos t, sin t), label 1 on the lower one (1 - cos t, 0.5 - sin t);
    then N(0, MOONS_NOISE**2) is added to each coordinate.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + MOONS_NOISE * rng.normal(size=(n, 2))
    return x, y.astype(np.int64)
    ### END SOLUTION


def classifier() -> Sequential:
    """An MLP from 2 inputs to 2 logits: Linear(2, HIDDEN), ReLU, Linear(HIDDEN, HIDDEN), ReLU,
    Linear(HIDDEN, 2)."""
    ### BEGIN SOLUTION
    return Sequential(Linear(2, HIDDEN), ReLU(), Linear(HIDDEN, HIDDEN), ReLU(),
                      Linear(HIDDEN, 2))
    ### END SOLUTION


def fit(model: Sequential, x: np.ndarray, y: np.ndarray, steps: int = STEPS) -> List[float]:
    """Train ``model`` on all of (x, y) at once for ``steps`` steps; return the losses.

    SGD(lr=LR, momentum=MOMENTUM) on ``model.parameters()`` and CrossEntropyLoss; each step:
    zero_grad, forward, loss, backward, step, with x and y wrapped as Tensors that do not
    require grad.
    """
    ### BEGIN SOLUTION
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    criterion = CrossEntropyLoss()
    inputs, labels = Tensor(x), Tensor(y)
    model.train()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.data))
    return losses
    ### END SOLUTION


def xor(seed: int, plot_path: Union[str, Path]) -> Sequential:
    """Train a ``classifier()`` with ``fit`` on ``xor_data(N_TRAIN, seed)``, draw its decision
    boundary to ``plot_path`` and return the trained model (given)."""
    return _task(xor_data, seed, plot_path, "XOR")


def moons(seed: int, plot_path: Union[str, Path]) -> Sequential:
    """As ``xor``, on ``moons_data(N_TRAIN, seed)`` (given)."""
    return _task(moons_data, seed, plot_path, "Two moons")


def _task(data, seed: int, plot_path: Union[str, Path], title: str) -> Sequential:
    """The training of ``xor`` and ``moons``: data, model, fit, plot (given)."""
    x, y = data(N_TRAIN, seed)
    model = classifier()
    losses = fit(model, x, y)
    plot_decision_boundary(model, x, y, plot_path,
                           f"{title}: {len(losses)} steps, final loss {losses[-1]:.3f}")
    return model


def predict(model: Sequential, x: np.ndarray) -> np.ndarray:
    """The class (0 or 1) of each row of ``x``: the larger logit, in eval mode (given)."""
    model.eval()
    return model(Tensor(x)).data.argmax(axis=1)


def plot_decision_boundary(model: Sequential, x: np.ndarray, y: np.ndarray,
                           path: Union[str, Path], title: str) -> None:
    """Shade the plane by the class ``model`` predicts and draw the points (given)."""
    import matplotlib
    matplotlib.use("Agg")               # write a file; never open a window
    import matplotlib.pyplot as plt

    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
    grid = predict(model, np.stack([xs.ravel(), ys.ravel()], axis=1)).reshape(xs.shape)
    accuracy = float(np.mean(predict(model, x) == y))
    figure, axes = plt.subplots(figsize=(5.5, 5))
    axes.contourf(xs, ys, grid, levels=[-0.5, 0.5, 1.5], colors=["#cfe0f3", "#f8d9c4"])
    axes.contour(xs, ys, grid, levels=[0.5], colors="black", linewidths=1)
    for label, colour in ((0, "#1f5fa8"), (1, "#c2571a")):
        chosen = y == label
        axes.scatter(x[chosen, 0], x[chosen, 1], s=9, color=colour, label=f"class {label}")
    axes.set_title(f"{title}\ntraining accuracy {100 * accuracy:.1f}%", fontsize=10)
    axes.legend(loc="upper right", fontsize=8)
    axes.set_aspect("equal")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
