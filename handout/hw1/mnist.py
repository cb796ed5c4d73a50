"""Part 3: train a small MLP on MNIST with MyTorch and record its validation accuracy.

The network is Linear(784, 20) -> BatchNorm1d(20) -> ReLU -> Linear(20, 10), trained with
SGD (lr 0.1, momentum 0.9) on mini-batches of 100 images for 3 epochs; the data is shuffled
at the start of every epoch, and the accuracy on the validation images is measured every 100
batches (18 times in all: 3 epochs x 600 batches / 100).

To train it, run ``./grade.sh m`` in the folder that holds ``grade.sh`` (the unpacked
bundle, or the repository root): it calls ``mnist`` with MNIST (60,000 training images, the
10,000 test images as validation) exactly as the grader does, with numpy's BLAS on one
thread, shows a progress bar with the loss and the validation accuracy, draws
``hw1/validation_accuracy.png`` from the accuracies ``mnist`` returns and grades the trained
model (Part 3).
"""
from __future__ import annotations

from typing import List

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.module import Module
from mytorch.nn.sequential import Sequential
from mytorch.optim.optimizer import Optimizer
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

BATCH_SIZE = 100
NUM_EPOCHS = 3
VALIDATE_EVERY = 100          # batches


def mnist(train_x: np.ndarray, train_y: np.ndarray, val_x: np.ndarray,
          val_y: np.ndarray) -> List[float]:
    """Build the model, optimizer and loss, train, and return the validation accuracies.

    Args:
        train_x: (60000, 784) float32 images scaled to [0, 1]; train_y: (60000,) int64
            labels 0..9. The model's parameters are float32 too (the default dtype), so
            training runs in float32 end to end: wrap the images as they are, no ``astype``.
        val_x: (10000, 784); val_y: (10000,).
    Returns:
        the list returned by ``train``: one accuracy in [0, 1] per validation (18 of them).

    Build ``model`` (the Sequential above), ``optimizer`` (SGD on ``model.parameters()``,
    lr=0.1, momentum=0.9) and ``criterion`` (CrossEntropyLoss), then
    ``accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)`` and
    return them (``./grade.sh m`` draws them in ``hw1/validation_accuracy.png``).
    """
    # TODO: Part 3 - implement mnist.
    raise NotImplementedError("mnist (Part 3)")


def train(model: Module, optimizer: Optimizer, criterion: Module, train_x: np.ndarray,
          train_y: np.ndarray, val_x: np.ndarray, val_y: np.ndarray,
          num_epochs: int = NUM_EPOCHS) -> List[float]:
    """Mini-batch training; returns the validation accuracy measured every 100 batches.

    For each epoch: call ``model.train()``, shuffle the training set (one random permutation
    of the row indices per epoch), and go through it in batches of ``BATCH_SIZE``. For each
    batch: wrap images and labels as Tensors that do NOT require grad, ``zero_grad``, forward,
    loss, ``backward``, ``step``. After every ``VALIDATE_EVERY``-th batch append
    ``validate(model, val_x, val_y)`` to the list (validate switches to eval mode; switch
    back with ``model.train()`` before the next batch).
    """
    # TODO: Part 3 - implement train.
    raise NotImplementedError("train (Part 3)")


def validate(model: Module, val_x: np.ndarray, val_y: np.ndarray) -> float:
    """The fraction of ``val_x`` that ``model`` classifies correctly, in eval mode.

    Call ``model.eval()`` first (BatchNorm then uses its running statistics), predict the
    class with the largest logit for every image (in batches of ``BATCH_SIZE``, or all at
    once), and compare with ``val_y``. Return a Python float in [0, 1]. Run the model inside
    ``with no_grad():``, as one does with ``torch.no_grad()``: nothing will call backward, so
    no graph needs recording.
    """
    # TODO: Part 3 - implement validate.
    raise NotImplementedError("validate (Part 3)")


if __name__ == "__main__":
    raise SystemExit("Train with ./grade.sh m, run in the folder that holds grade.sh: it runs "
                     "mnist() as the grader does (one BLAS thread, a progress bar, the plot).")
