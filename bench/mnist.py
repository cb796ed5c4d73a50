"""Benchmark: the Part 3 MNIST task, the reference MyTorch against the same script in PyTorch.

Both train Linear(784, 20) -> BatchNorm1d(20) -> ReLU -> Linear(20, 10) with SGD (lr 0.1,
momentum 0.9) on batches of 100 for 3 epochs, shuffling every epoch and validating on the
10,000 validation images (in batches of 100) every 100 batches: 18 validations. MyTorch runs
solution/hw1/mnist.py's own ``train``; PyTorch runs a line-by-line copy of it. Both get the
float32 images that ``load_mnist`` returns, as ``./grade.sh m`` passes them, and both
compute in float32, the default dtype of each library. Timed: the training loop with its
validations, not data loading. The runs alternate between the libraries.

A third run, "numpy", is the floor for any numpy engine: the same float32 maths written
straight in numpy with no graph, no modules and no autograd. MyTorch minus numpy is what the
engine itself costs; numpy / PyTorch is the best ratio a numpy library can reach. The
matrix products dominate the floor: OpenBLAS picks its kernels by CPU (on an AVX-512
machine it may choose AVX2 ones; ``OPENBLAS_CORETYPE=SkylakeX`` overrides that).

    python3 bench/mnist.py            # 3 runs each (targets: ratio <= 0.6, MyTorch <= 1.15
                                      # x the numpy floor, accuracy >= 95%)
    python3 bench/mnist.py --runs 5
    python3 bench/mnist.py --quick    # a tiny smoke run (used by the kit's tests)
"""
from __future__ import annotations

import argparse

import common  # noqa: F401  (first: pins the thread counts)
import numpy as np
import torch

from autograder.common.mnist_data import load_mnist
from hw1 import mnist as hw1
from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD

TARGET_RATIO = 0.6
TARGET_FLOOR_RATIO = 1.15        # MyTorch / the numpy floor
TARGET_ACCURACY = 0.95


def run_mytorch(data, seed: int, epochs: int) -> list:
    np.random.seed(seed)
    model = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    return hw1.train(model, optimizer, CrossEntropyLoss(), *data, num_epochs=epochs)


def run_numpy(data, seed: int, epochs: int) -> list:
    """hw1.train without MyTorch: the same float32 maths in plain numpy (the floor)."""
    np.random.seed(seed)
    train_x, train_y, val_x, val_y = data
    bound1, bound2 = 1 / np.sqrt(784), 1 / np.sqrt(20)
    f32 = np.float32
    w1, b1 = (np.random.uniform(-bound1, bound1, (20, 784)).astype(f32),
              np.random.uniform(-bound1, bound1, 20).astype(f32))
    w2, b2 = (np.random.uniform(-bound2, bound2, (10, 20)).astype(f32),
              np.random.uniform(-bound2, bound2, 10).astype(f32))
    gamma, beta = np.ones(20, f32), np.zeros(20, f32)
    running_mean, running_var = np.zeros(20, f32), np.ones(20, f32)
    params = [w1, b1, gamma, beta, w2, b2]
    velocities = [np.zeros_like(p) for p in params]
    n = hw1.BATCH_SIZE

    def validate() -> float:
        correct = 0
        for start in range(0, len(val_x), n):
            h = val_x[start:start + n] @ w1.T + b1
            h = np.maximum((h - running_mean) / np.sqrt(running_var + 1e-5) * gamma + beta, 0)
            logits = h @ w2.T + b2
            correct += int((logits.argmax(axis=1) == val_y[start:start + n]).sum())
        return correct / len(val_x)

    accuracies, batches_seen = [], 0
    for _ in range(epochs):
        order = np.random.permutation(len(train_x))
        for start in range(0, len(train_x), n):
            rows = order[start:start + n]
            x, y = train_x[rows], train_y[rows]
            h = x @ w1.T                                                 # forward
            h += b1
            mean = h.mean(axis=0)
            var = ((h - mean) ** 2).mean(axis=0)
            inv_std = 1 / np.sqrt(var + 1e-5)
            h_hat = (h - mean) * inv_std
            running_mean = 0.9 * running_mean + 0.1 * mean
            running_var = 0.9 * running_var + 0.1 * var * n / (n - 1)
            z = gamma * h_hat + beta
            a = np.maximum(z, 0)
            logits = a @ w2.T + b2
            exps = np.exp(logits - logits.max(axis=1, keepdims=True))
            g_logits = exps / exps.sum(axis=1, keepdims=True)            # backward
            g_logits[np.arange(n), y] -= 1
            g_logits /= n
            g_z = (g_logits @ w2) * (z > 0)
            g_gamma, g_beta = (g_z * h_hat).sum(axis=0), g_z.sum(axis=0)
            g_h = gamma * inv_std * (g_z - g_beta / n - h_hat * g_gamma / n)
            grads = [(x.T @ g_h).T, g_h.sum(axis=0), g_gamma, g_beta, g_logits.T @ a,
                     g_logits.sum(axis=0)]
            for param, velocity, grad in zip(params, velocities, grads):     # SGD step
                velocity *= 0.9
                velocity -= 0.1 * grad
                param += velocity
            batches_seen += 1
            if batches_seen % hw1.VALIDATE_EVERY == 0:
                accuracies.append(validate())
    return accuracies


def run_torch(data, seed: int, epochs: int) -> list:
    """hw1.train, written with PyTorch."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    train_x, train_y, val_x, val_y = (torch.from_numpy(a) for a in data)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 20), nn.BatchNorm1d(20), nn.ReLU(), nn.Linear(20, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()

    def validate() -> float:
        model.eval()
        correct = 0
        with torch.no_grad():
            for start in range(0, len(val_x), hw1.BATCH_SIZE):
                logits = model(val_x[start:start + hw1.BATCH_SIZE])
                correct += int((logits.argmax(dim=1) == val_y[start:start + hw1.BATCH_SIZE]).sum())
        return correct / len(val_x)

    accuracies, batches_seen = [], 0
    for _ in range(epochs):
        model.train()
        order = torch.from_numpy(np.random.permutation(len(train_x)))
        for start in range(0, len(train_x), hw1.BATCH_SIZE):
            rows = order[start:start + hw1.BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(model(train_x[rows]), train_y[rows])
            loss.backward()
            optimizer.step()
            batches_seen += 1
            if batches_seen % hw1.VALIDATE_EVERY == 0:
                accuracies.append(validate())
                model.train()
    return accuracies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 run on 2,000 images, 1 epoch")
    args = parser.parse_args()
    data = load_mnist()
    epochs, runs = hw1.NUM_EPOCHS, args.runs
    if args.quick:
        data = (data[0][:2000], data[1][:2000], data[2][:500], data[3][:500])
        epochs, runs = 1, 1
        hw1.VALIDATE_EVERY = 10
    common.header(f"MNIST MLP, {epochs} epoch(s) on {len(data[0])} images, validating on "
                  f"{len(data[2])} every {hw1.VALIDATE_EVERY} batches")
    run_torch(tuple(a[:1000] for a in data), 0, 1)           # warm-up, not timed
    mine, theirs, floor = (common.Timings(name) for name in ("MyTorch", "PyTorch", "numpy"))
    accuracies = {"MyTorch": [], "PyTorch": [], "numpy": []}
    for seed in range(runs):
        accuracies["MyTorch"].append(mine.run(lambda: run_mytorch(data, seed, epochs))[-1])
        history = theirs.run(lambda: run_torch(data, seed, epochs))
        accuracies["PyTorch"].append(history[-1])
        accuracies["numpy"].append(floor.run(lambda: run_numpy(data, seed, epochs))[-1])
    ratio = common.report(f"training + {len(history)} validations", mine, theirs, TARGET_RATIO)
    common.report_floor(floor, mine, theirs, TARGET_FLOOR_RATIO)
    common.report_accuracies("mnist", "final validation accuracy per run", ratio, accuracies,
                             None if args.quick else TARGET_ACCURACY)

if __name__ == "__main__":
    main()
