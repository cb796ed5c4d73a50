"""Part 3: the student's hw1/mnist.py trains the MLP on MNIST; the grader measures the result.

The student process runs ``mnist()`` once (seconds for the reference; a progress bar shows
loss and validation accuracy) and sends back the list of accuracies it returned, the trained
model's weights and BatchNorm statistics, and facts observed while it trained. The score never takes
the student's word for the accuracy: this process rebuilds the returned model in PyTorch
(float64, BatchNorm in eval mode) and measures it on the 10,000 validation images itself.

Threshold: THRESHOLD = 92% validation accuracy. The reference reaches 95.4-96.1% after
3 epochs (final accuracy over seeds 0-9; see README), so 92% leaves a margin of more than
3 points for a correct implementation whose rounding or shuffling differs; a model that
learns nothing gets about 10%. The grader uses seed 0.
"""
from __future__ import annotations

import functools
import shutil
import sys

import numpy as np
import pytest

from autograder.common import mnist_data, mnist_network
from autograder.common.mnist_network import ARCHITECTURE
from autograder.grader import mnist_model, training_check
from autograder.grader.compare import check_equal, fail

pytestmark = pytest.mark.mnist

SEED = 0                   # np.random.seed before mnist(): shuffling and initialisation
THRESHOLD = 0.92
EPOCHS = 3
N_VALIDATIONS = 18         # 3 epochs x 600 batches, one validation per 100 batches
AGREEMENT = 2e-3           # the last reported accuracy vs the grader's own (20 images)
WHAT = "hw1/mnist.py mnist()"
HINT_STRUCTURE = (f"mnist() builds {mnist_network.model_text()} and passes it to "
                  "train(model, optimizer, criterion, ...).")


@functools.lru_cache(maxsize=1)
def validation_split() -> tuple:
    return mnist_data.load_split("test")


def while_training() -> None:
    """The grader's own loading, done while the student process trains. (Not PyTorch's lazily
    imported modules: another 100 MB at the moment the student process holds the training
    data, and the platforms allow 768 MB for both.)"""
    validation_split()


@pytest.fixture(scope="module")
def trained(student):
    columns = shutil.get_terminal_size((100, 24)).columns
    # One call, within the part's seconds of rubric.toml [time].
    return student.run("mnist_training", live_output=True, meanwhile=while_training, seed=SEED,
                       columns=columns, interactive=sys.stderr.isatty(),
                       sampled=training_check.SAMPLED_STEPS)


@pytest.fixture(scope="module")
def validation():
    return validation_split()


def check_architecture(got: dict) -> None:
    if not got["model_seen"]:
        fail(f"{WHAT}: no model reached train()", "the grader finds the trained model as the "
             "first argument of train(model, ...)", hint=HINT_STRUCTURE)
    found = []
    for layer in got["layers"]:
        array = layer.get("weight", layer.get("gamma"))
        if layer["kind"] in VECTORS and "weight" not in layer and array is not None:
            array = np.squeeze(array)        # gamma: (20,) or a (1, 20) row, as VECTORS allows
        found.append((layer["kind"], None if array is None else tuple(np.shape(array))))
    check_equal(found, ARCHITECTURE, what=f"{WHAT}: the model's layers (kind, weight shape)",
                hint=HINT_STRUCTURE)
    check_vector_shapes(got["layers"])


VECTORS = {"Linear": ("bias",), "BatchNorm1d": ("gamma", "beta", "running_mean", "running_var")}


def check_vector_shapes(layers: list) -> None:
    """Each bias and BatchNorm vector holds one number per feature: (20,) or (1, 20) are fine,
    a (10000, 10) "bias" that would broadcast over the validation set is not."""
    for index, (layer, (kind, shape)) in enumerate(zip(layers, ARCHITECTURE)):
        for name in VECTORS.get(kind, ()):
            value = layer.get(name)
            found = None if value is None else tuple(np.shape(value))
            if found is None or np.squeeze(value).shape != shape[:1]:
                fail(f"{WHAT}: layer {index} ({kind}) has a {name} of shape {found}",
                     f"it must hold one number per feature: shape ({shape[0]},)",
                     hint=HINT_STRUCTURE)


def measured_accuracy(got: dict, validation: tuple) -> float:
    """The grader's own accuracy of the returned model. A model accurate enough to score must
    also have been earned: trained by train(), from a fresh start, by its gradients
    (training_check.py); otherwise no check of Part 3 scores."""
    check_architecture(got)
    eps = batchnorm_eps(got["layers"])
    accuracy = grader_accuracy(got["layers"], *validation)
    if accuracy >= THRESHOLD:
        training_check.check(got["training"], EPOCHS * BATCHES_PER_EPOCH, eps, *validation)
    return accuracy


def batchnorm_eps(layers: list) -> float:
    return next(layer["eps"] for layer in layers if layer["kind"] == "BatchNorm1d")


def grader_accuracy(layers: list, val_x: np.ndarray, val_y: np.ndarray) -> float:
    """The returned model, rebuilt in PyTorch float64 and evaluated (BatchNorm in eval mode);
    ``layers`` follow ARCHITECTURE (check_architecture)."""
    values = {f"{index}.{name}": value for index, layer in enumerate(layers)
              for name, value in layer.items() if name not in ("kind", "eps")}
    return mnist_model.accuracy(values, val_x, val_y, batchnorm_eps(layers), training=False)


@pytest.mark.check("accuracy")
def test_trained_model_reaches_threshold(trained, validation, record_property):
    accuracy = measured_accuracy(trained, validation)
    record_property("mnist_accuracy", accuracy)          # the platforms' leaderboard
    if not accuracy >= THRESHOLD:
        fail(f"{WHAT}: the trained model is not accurate enough",
             f"the grader measured {100 * accuracy:.2f}% on the 10,000 validation images; "
             f"at least {100 * THRESHOLD:.0f}% is needed",
             hint="check shuffling (one permutation per epoch), zero_grad before each "
                  "backward, SGD(lr=0.1, momentum=0.9), and batches of 100.")


@pytest.mark.check("history")
def test_validation_history_and_plot(trained, validation, in_order_batch_sums):
    accuracies = trained["accuracies"]
    if accuracies is None:
        fail(f"{WHAT} must return a list of floats",
             f"it returned a {trained['returned_type']}")
    check_equal(len(accuracies), N_VALIDATIONS, what=f"{WHAT}: number of validation accuracies",
                hint="validate after every 100th batch: 600 batches per epoch, 3 epochs.")
    if not all(0.0 <= a <= 1.0 for a in accuracies):
        fail(f"{WHAT}: accuracies must be fractions in [0, 1]", f"got {accuracies[:3]} ...")
    for fact, expected, message in [
            ("inputs_require_grad", False, "training inputs must be Tensors with requires_grad=False"),
            ("labels_require_grad", False, "labels must be Tensors with requires_grad=False"),
            ("validated_in_train_mode", False, "validate() must call model.eval() first"),
            ("trained_in_eval_mode", False, "call model.train() again after validating")]:
        check_equal(trained[fact], expected, what=f"{WHAT}: {message}")
    check_shuffled(trained["batch_sums"], in_order_batch_sums)
    measured_accuracy(trained, validation)              # the model was earned
    # The last accuracy reported is validate()'s on the model as it was then: after the last
    # batch, or (validating when i % 100 == 0) 99 batches before it.
    validated = grader_accuracy(trained["validated_layers"] or trained["layers"], *validation)
    if abs(accuracies[-1] - validated) > AGREEMENT:
        fail(f"{WHAT}: the last validation accuracy does not match the model it validated",
             f"you reported {100 * accuracies[-1]:.2f}%, the grader measured "
             f"{100 * validated:.2f}% for the model passed to that last validate()",
             hint="validate() must use model.eval() (BatchNorm's running statistics) and "
                  "count correct predictions over all 10,000 images.")


# ------------------------------------------------------------------------------ shuffling
BATCHES_PER_EPOCH = 600
HINT_SHUFFLE = ("at the start of every epoch draw a new order = np.random.permutation(len(train_x)) "
                "and take each batch's images AND labels as train_x[rows], train_y[rows].")


@pytest.fixture(scope="module")
def in_order_batch_sums() -> np.ndarray:
    """The sum of each batch of 100 training images taken in file order (no shuffling)."""
    # Batch by batch from the file's bytes, so the grader never holds all training images
    # as floats (the platforms give 768 MB); each sum is the same float32 sum as before.
    pixels = mnist_data.load_split("train", raw=True)[0]
    batch = len(pixels) // BATCHES_PER_EPOCH
    return np.array([mnist_data.images(pixels[i:i + batch]).sum()
                     for i in range(0, len(pixels), batch)], dtype=np.float32)


def check_shuffled(batch_sums, in_order: np.ndarray) -> None:
    """Shuffled every epoch: epoch 1 is not the file order, and epoch 2 does not repeat epoch 1.

    The harness records the sum of the inputs of each training batch. Two different random
    batches of 100 images practically never have the same sum, so more than half of the
    batches matching is far beyond chance (a correct run matches none).
    """
    sums = np.asarray(batch_sums, dtype=np.float64).reshape(-1)
    first, second = sums[:BATCHES_PER_EPOCH], sums[BATCHES_PER_EPOCH:2 * BATCHES_PER_EPOCH]
    if len(second) < BATCHES_PER_EPOCH:
        return                      # fewer than 2 epochs of batches: other checks say so
    for matches, detail in [
            (np.isclose(first, in_order, rtol=0, atol=1e-6),
             "of the batches of epoch 1 are the training images in file order"),
            (np.isclose(first, second, rtol=0, atol=1e-6),
             "of the batches of epoch 2 are those of epoch 1, in the same order")]:
        if int(matches.sum()) > BATCHES_PER_EPOCH // 2:
            fail(f"{WHAT}: the training set must be shuffled at the start of every epoch",
                 f"{int(matches.sum())} of {BATCHES_PER_EPOCH} {detail}", hint=HINT_SHUFFLE)
