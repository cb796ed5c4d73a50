"""Benchmark: a small CNN trained for one epoch on MNIST with Adam, MyTorch against PyTorch.

    Conv2d(1, 16, 3, padding=1) -> ReLU -> Conv2d(16, 32, 3, stride=2, padding=1) -> ReLU
    -> Flatten -> Linear(32 * 14 * 14, 10)

Adam (lr 0.001), batches of 64, one shuffled pass over the 60,000 training images, then the
accuracy on the 10,000 validation images. Both libraries start from the same weights and see
the same batches; both compute in float32 (each library's default dtype), one thread each.
Reported: wall (and CPU) time of the training epoch, the ratio (target <= 2.0), and the
accuracy (target >= 97%).

    python3 bench/cnn_mnist.py            # 1 run each (an epoch takes tens of seconds)
    python3 bench/cnn_mnist.py --runs 3
    python3 bench/cnn_mnist.py --quick    # a tiny smoke run (used by the kit's tests)
"""
from __future__ import annotations

import argparse

import common  # noqa: F401  (first: pins the thread counts)
import numpy as np
import torch

from autograder.common.mnist_data import load_mnist
from mytorch.nn.activations import ReLU
from mytorch.nn.conv import Conv2d, Flatten
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.adam import Adam
from mytorch.tensor import Tensor

TARGET_RATIO = 2.0
TARGET_ACCURACY = 0.97
BATCH_SIZE = 64


def build_mytorch() -> Sequential:
    return Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), Conv2d(16, 32, 3, stride=2, padding=1),
                      ReLU(), Flatten(), Linear(32 * 14 * 14, 10))


def build_torch(twin: Sequential) -> torch.nn.Sequential:
    """The same network in PyTorch, with the MyTorch network's initial weights."""
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(32 * 14 * 14, 10))
    with torch.no_grad():
        for theirs, mine in zip(model, twin.layers):
            if hasattr(mine, "weight"):
                theirs.weight.copy_(torch.from_numpy(mine.weight.data))
                theirs.bias.copy_(torch.from_numpy(mine.bias.data))
    return model


def train_mytorch(model: Sequential, images: np.ndarray, labels: np.ndarray,
                  order: np.ndarray) -> None:
    optimizer, criterion = Adam(model.parameters(), lr=0.001), CrossEntropyLoss()
    model.train()
    for start in range(0, len(order), BATCH_SIZE):
        rows = order[start:start + BATCH_SIZE]
        optimizer.zero_grad()
        loss = criterion(model(Tensor(images[rows])), Tensor(labels[rows]))
        loss.backward()
        optimizer.step()


def train_torch(model: torch.nn.Sequential, images: torch.Tensor, labels: torch.Tensor,
                order: np.ndarray) -> None:
    optimizer, criterion = torch.optim.Adam(model.parameters(), lr=0.001), torch.nn.CrossEntropyLoss()
    model.train()
    order = torch.from_numpy(order)
    for start in range(0, len(order), BATCH_SIZE):
        rows = order[start:start + BATCH_SIZE]
        optimizer.zero_grad()
        criterion(model(images[rows]), labels[rows]).backward()
        optimizer.step()


def accuracy_mytorch(model: Sequential, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    predictions = [model(Tensor(images[s:s + 1000])).data.argmax(axis=1)
                   for s in range(0, len(images), 1000)]
    return float((np.concatenate(predictions) == labels).mean())


def accuracy_torch(model: torch.nn.Sequential, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(images).argmax(dim=1) == labels).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 run on 640 images")
    args = parser.parse_args()
    train_x, train_y, val_x, val_y = load_mnist()
    runs = args.runs
    if args.quick:
        train_x, train_y, val_x, val_y = train_x[:640], train_y[:640], val_x[:500], val_y[:500]
        runs = 1
    images = {"mytorch": (train_x.reshape(-1, 1, 28, 28), val_x.reshape(-1, 1, 28, 28)),
              "torch": (torch.from_numpy(train_x.reshape(-1, 1, 28, 28)),
                        torch.from_numpy(val_x.reshape(-1, 1, 28, 28)))}
    torch_labels = torch.from_numpy(train_y), torch.from_numpy(val_y)
    common.header(f"CNN on MNIST, one epoch of {len(train_x)} images, batch {BATCH_SIZE}, Adam")
    warm_up = np.arange(2 * BATCH_SIZE)                  # first calls of both, not timed
    train_mytorch(build_mytorch(), images["mytorch"][0], train_y, warm_up)
    train_torch(build_torch(build_mytorch()), images["torch"][0], torch_labels[0], warm_up)
    mine, theirs = common.Timings("MyTorch"), common.Timings("PyTorch")
    accuracies = {"MyTorch": [], "PyTorch": []}
    for seed in range(runs):
        np.random.seed(seed)
        model = build_mytorch()
        twin = build_torch(model)
        order = np.random.permutation(len(train_x))
        mine.run(lambda: train_mytorch(model, images["mytorch"][0], train_y, order))
        theirs.run(lambda: train_torch(twin, images["torch"][0], torch_labels[0], order))
        accuracies["MyTorch"].append(accuracy_mytorch(model, images["mytorch"][1], val_y))
        accuracies["PyTorch"].append(accuracy_torch(twin, images["torch"][1], torch_labels[1]))
    ratio = common.report("one training epoch", mine, theirs, TARGET_RATIO)
    common.report_accuracies("cnn_mnist", "validation accuracy after the epoch", ratio,
                             accuracies, None if args.quick else TARGET_ACCURACY)

if __name__ == "__main__":
    main()
