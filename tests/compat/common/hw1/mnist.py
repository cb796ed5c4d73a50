"""Part 3: Linear(784, 20) -> BatchNorm1d(20) -> ReLU -> Linear(20, 10) on MNIST."""
from pathlib import Path

import numpy as np

from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

BATCH_SIZE = 100


def mnist(train_x, train_y, val_x, val_y):
    model = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    accuracies = train(model, optimizer, CrossEntropyLoss(), train_x, train_y, val_x, val_y)
    plot(accuracies, Path(__file__).resolve().parent / "validation_accuracy.png")
    return accuracies


def train(model, optimizer, criterion, train_x, train_y, val_x, val_y, num_epochs=3):
    accuracies, batches = [], 0
    for _ in range(num_epochs):
        model.train()
        order = np.random.permutation(len(train_x))
        for start in range(0, len(train_x), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(model(Tensor(train_x[rows])), Tensor(train_y[rows]))
            loss.backward()
            optimizer.step()
            batches += 1
            if batches % 100 == 0:
                accuracies.append(validate(model, val_x, val_y))
                model.train()
    return accuracies


def validate(model, val_x, val_y):
    model.eval()
    predictions = model(Tensor(val_x)).data.argmax(axis=1)
    return float(np.mean(predictions == val_y))


def plot(accuracies, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots()
    axes.plot([100 * (k + 1) for k in range(len(accuracies))], accuracies)
    axes.set_xlabel("batches")
    axes.set_ylabel("validation accuracy")
    figure.savefig(path)
    plt.close(figure)
