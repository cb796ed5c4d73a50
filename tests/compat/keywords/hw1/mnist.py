"""Problem 3 - MNIST: Linear(784, 20) -> BatchNorm1d(20) -> ReLU -> Linear(20, 10)."""
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
    """Build the model, optimizer and criterion, train, and return the validation accuracies."""
    model = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = CrossEntropyLoss()
    val_accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)
    return val_accuracies


def train(model, optimizer, criterion, train_x, train_y, val_x, val_y, num_epochs=3):
    """Train for num_epochs, validating every 100 batches; returns the accuracies."""
    val_accuracies = []
    model.train()
    for epoch in range(num_epochs):
        order = np.random.permutation(len(train_x))
        shuffled_x, shuffled_y = train_x[order], train_y[order]
        batches = [(shuffled_x[start:start + BATCH_SIZE], shuffled_y[start:start + BATCH_SIZE])
                   for start in range(0, len(shuffled_x), BATCH_SIZE)]
        for i, (batch_data, batch_labels) in enumerate(batches):
            optimizer.zero_grad()
            out = model(Tensor(batch_data))
            loss = criterion(out, Tensor(batch_labels))
            loss.backward()
            optimizer.step()
            if i % 100 == 0:
                accuracy = validate(model, val_x, val_y)
                val_accuracies.append(accuracy)
                model.train()
    return val_accuracies


def validate(model, val_x, val_y):
    """Accuracy of the model (in eval mode) on the whole validation set, as a float."""
    model.eval()
    out = model(Tensor(val_x))
    batch_preds = np.argmax(out.data, axis=1)
    num_correct = np.sum(batch_preds == val_y)
    return float(num_correct / len(val_y))
