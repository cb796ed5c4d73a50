"""Part 3: train Linear(784, 20) -> BatchNorm1d(20) -> ReLU -> Linear(20, 10) on MNIST."""
import numpy as np

from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

BATCH_SIZE = 100
VALIDATE_EVERY = 100        # batches
CHUNK = 1000                # images per forward pass when validating


def mnist(train_x, train_y, val_x, val_y):
    """Build the model and train it; returns the validation accuracies (18 of them)."""
    model = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = CrossEntropyLoss()
    return train(model, optimizer, criterion, train_x, train_y, val_x, val_y)


def train(model, optimizer, criterion, train_x, train_y, val_x, val_y, num_epochs=3):
    accuracies, batch = [], 0
    model.train()
    for _ in range(num_epochs):
        order = np.random.permutation(len(train_x))
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(model(Tensor(train_x[rows])), Tensor(train_y[rows]))
            loss.backward()
            optimizer.step()
            batch += 1
            if batch % VALIDATE_EVERY == 0:
                accuracies.append(validate(model, val_x, val_y))
                model.train()
    return accuracies


def validate(model, val_x, val_y):
    """Accuracy of the model in eval mode, predicting CHUNK images at a time."""
    model.eval()
    correct = 0
    for start in range(0, len(val_x), CHUNK):
        scores = model(Tensor(val_x[start:start + CHUNK])).data
        correct += int((scores.argmax(axis=1) == val_y[start:start + CHUNK]).sum())
    return correct / len(val_x)
