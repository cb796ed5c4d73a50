"""Parts 3 (MNIST), 4.1 (Adam) and 4.2 (Conv2d): the reference scores full marks, deliberate
bugs lose points in their own part, and the MNIST score cannot be claimed without a model.

The reference's full marks and the handout's zero on every part, these included, are
asserted by test_grading.py. MNIST training takes a few seconds per run; this file trains
three times (the reference, inflated accuracies, validation in train mode).
"""
import hashlib

import numpy as np
import pytest

from autograder.common import mnist_data, mnist_network
from autograder.grader.hints import HINTS
from autograder.grader.rubric import Rubric
from conftest import Bug, check_bug, grade
from kit.paths import SOLUTION

MNIST, ADAM, FUNCTIONAL = "hw1/mnist.py", "mytorch/optim/adam.py", "mytorch/nn/functional.py"


# ------------------------------------------------------------------------------ Part 3
def test_grade_m_trains_shows_progress_and_writes_the_plot(solution_copy):
    graded = grade("--target", str(solution_copy), "m")
    assert graded.returncode == 0, graded.stderr
    assert graded.scores == {"mnist": 10.0}
    # Progress crossed from the student process to the grader's stderr; piped (a log, as on
    # Autolab or Gradescope), it is one plain line per validation, not a redrawn bar.
    progress = [line for line in graded.stderr.splitlines() if line.startswith("Part 3 MNIST")]
    assert [line.split(",")[0] for line in progress] == [
        f"Part 3 MNIST: batch {100 * k}/1800" for k in range(1, 19)]
    assert all("val acc" in line for line in progress)
    assert "\r" not in graded.stderr
    plot = solution_copy / "hw1" / "validation_accuracy.png"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Traceback" not in graded.stdout + graded.stderr


TRAIN_CALL = "    accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)\n"
MNIST_BUGS = [
    Bug("accuracies-reported-without-training", [(MNIST, TRAIN_CALL, "    accuracies = [0.99] * 18\n")],
        ("3",), {"mnist": 10.0}, ("no model reached train()",)),
    # The model itself is fine: the accuracy check keeps its points.
    Bug("inflated-accuracies",
        [(MNIST, TRAIN_CALL, TRAIN_CALL + "    accuracies = [min(1.0, a + 0.03) for a in accuracies]\n")],
        ("3",), {"mnist": 3.0}, ("does not match the model it validated",)),
    Bug("validation-in-train-mode", [(MNIST, "    model.eval()\n", "")],
        ("3",), {"mnist": 3.0}, ("FAIL 3 MNIST training [history]", "validate() must call model.eval()")),
    # A last-layer "bias" holding the validation labels, which the grader's rebuild of the
    # model would broadcast over the 10,000 images (100% with no weights at all).
    Bug("bias-shaped-like-the-validation-set",
        [(MNIST, TRAIN_CALL, TRAIN_CALL + "    model.layers[3].bias = Tensor(100.0 * np.eye(10)[val_y])\n")],
        ("3",), {"mnist": 10.0}, ("has a bias of shape (10000, 10)",)),
]

# Models not earned by train() (autograder/grader/training_check.py): each scores 0, whatever
# its accuracy (each reaches 95-96%). "Elsewhere" is a private training loop train() never sees.
ELSEWHERE = """
_TARGET = []


def _trained_elsewhere(train_x, train_y):
    other = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    opt, loss_fn = SGD(other.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss()
    for _ in range(3):
        order = np.random.permutation(len(train_x))
        for start in range(0, len(train_x), 100):
            rows = order[start:start + 100]
            opt.zero_grad()
            loss_fn(other(Tensor(train_x[rows])), Tensor(train_y[rows])).backward()
            opt.step()
    _TARGET[:] = [p.data.copy() for p in other.parameters()]
    return other


def _copy_weights(source, model):
    for mine, theirs in zip(model.layers, source.layers):
        for name in ("weight", "bias", "gamma", "beta", "running_mean", "running_var"):
            if hasattr(theirs, name):
                value = getattr(theirs, name)
                getattr(mine, name).data = getattr(value, "data", value).copy()


def mnist("""
SGD_LINE = "    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
WRAPPED_STEP = (SGD_LINE + "    _trained_elsewhere(train_x, train_y)\n"
                "    plain_step = optimizer.step\n"
                "    def step():\n{}"
                "    optimizer.step = step\n")
UNEARNED = [
    Bug("pretrained-start", [(MNIST, "def mnist(", ELSEWHERE), (MNIST, TRAIN_CALL,
        "    _copy_weights(_trained_elsewhere(train_x, train_y), model)\n" + TRAIN_CALL)],
        ("3",), {"mnist": 10.0}, ("training did not start from a fresh model",)),
    Bug("weights-swapped-after-training", [(MNIST, "def mnist(", ELSEWHERE), (MNIST, TRAIN_CALL,
        "    other = _trained_elsewhere(train_x, train_y)\n" + TRAIN_CALL
        + "    _copy_weights(other, model)\n")],
        ("3",), {"mnist": 10.0}, ("changed other than by optimizer.step()", "after the last step")),
    Bug("step-pulls-towards-weights-from-elsewhere", [(MNIST, "def mnist(", ELSEWHERE),
        (MNIST, SGD_LINE, WRAPPED_STEP.format(
            "        plain_step()\n"
            "        for p, t in zip(model.parameters(), _TARGET):\n"
            "            p.data += 0.01 * (t - p.data)\n"))],
        ("3",), {"mnist": 10.0}, ("did not move by their gradients",)),
    Bug("gradients-replaced-before-step", [(MNIST, "def mnist(", ELSEWHERE),
        (MNIST, TRAIN_CALL, "    _trained_elsewhere(train_x, train_y)\n" + TRAIN_CALL),
        (MNIST, "            loss.backward()\n", "            loss.backward()\n"
         "            for p, t in zip(model.parameters(), _TARGET):\n"
         "                p.grad.data = p.data - t\n")],
        ("3",), {"mnist": 10.0}, ("are not those of the batch's loss",)),
    Bug("parameters-edited-between-steps", [(MNIST, "            optimizer.step()\n",
        "            optimizer.step()\n            model.layers[3].bias.data = model.layers[3].bias.data * 1.0 + 1e-9\n")],
        ("3",), {"mnist": 10.0}, ("changed other than by optimizer.step()", "between steps")),
]


@pytest.mark.slow
@pytest.mark.parametrize("bug", MNIST_BUGS + UNEARNED, ids=lambda bug: bug.id)
def test_mnist_bug_loses_its_check(bug, solution_copy):
    check_bug(bug, solution_copy)


def test_loader_refuses_a_damaged_file(tmp_path, monkeypatch):
    damaged = tmp_path / "mnist.npz"
    data = bytearray(mnist_data.DEFAULT_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setenv("MYTORCH_MNIST", str(damaged))
    with pytest.raises(mnist_data.DataError, match="sha256"):
        mnist_data.load_mnist()
    with pytest.raises(mnist_data.DataError, match="not found"):
        mnist_data.load_mnist(tmp_path / "missing.npz")


def test_shipped_data_is_the_documented_split():
    digest = hashlib.sha256(mnist_data.DEFAULT_PATH.read_bytes()).hexdigest()
    assert digest == mnist_data.SHA256
    train_x, train_y, val_x, val_y = mnist_data.load_mnist()
    assert train_x.shape == (60000, 784) and val_x.shape == (10000, 784)
    assert 0.0 <= train_x.min() and train_x.max() <= 1.0
    assert np.bincount(val_y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_the_network_the_grader_names_is_the_one_the_reference_builds():
    """The hint's model and the parameters the training check follows come from
    mnist_network.ARCHITECTURE: the reference builds that model, whose parameters they are."""
    assert f"model = {mnist_network.model_text()}" in (SOLUTION / MNIST).read_text()
    assert mnist_network.PARAMETER_NAMES == ("0.weight", "0.bias", "1.gamma", "1.beta",
                                             "3.weight", "3.bias")


# ------------------------------------------------------------------------------ Part 4
@pytest.mark.slow
def test_part_4_selector_grades_adam_and_conv2d(solution_copy):
    graded = grade("--target", str(solution_copy), "4")
    assert graded.scores == {"adam": 10.0, "conv2d": 15.0}


CONV = Rubric().by_number["4.2"].checks
PART4_BUGS = [
    Bug("adam-without-bias-correction",
        [(ADAM, "m_hat = m / correction1", "m_hat = m"), (ADAM, "v_hat = v / correction2", "v_hat = v")],
        ("4", "2.6"), {"adam": 10.0}, ("FAIL 4.1 Adam [adam]", "bias-correct")),
    # A true convolution instead of the cross-correlation; backward is graded separately (it
    # still matches the unflipped forward here), so the forward checks' points go (without
    # padding, and with it: the padding check runs forward too).
    Bug("conv2d-flipped-kernel",
        [(FUNCTIONAL, "out = weight.data.reshape(o, -1) @ cols",
          "out = weight.data[:, :, ::-1, ::-1].reshape(o, -1) @ cols")],
        ("4",), {"conv2d": CONV["forward"] + CONV["padding"]},
        ("FAIL 4.2 Conv2d and Flatten [forward]", HINTS["conv2d_flipped"])),
    Bug("conv2d-col2im-overwrites",
        [(FUNCTIONAL, "q:q + stride * wo:stride] += cols6", "q:q + stride * wo:stride] = cols6")],
        ("4.2",), {"conv2d": CONV["backward"] + CONV["padding"]},
        ("gradient of x", HINTS["conv2d_input_grad"])),
    Bug("conv2d-gradients-averaged",
        [(FUNCTIONAL, "(g @ ctx.cols.transpose(0, 2, 1)).sum(axis=0)",
          "(g @ ctx.cols.transpose(0, 2, 1)).mean(axis=0)"),
         (FUNCTIONAL, "grad_bias = g.sum(axis=(0, 2))", "grad_bias = g.mean(axis=(0, 2))")],
        ("4.2", "-v"), {"conv2d": CONV["backward"] + CONV["padding"]},
        (HINTS["conv2d_weight_grad_mean"], HINTS["conv2d_bias_grad_mean"])),
]


@pytest.mark.slow
@pytest.mark.parametrize("bug", PART4_BUGS, ids=lambda bug: bug.id)
def test_part4_bug_loses_points_in_its_check(bug, solution_copy):
    check_bug(bug, solution_copy)
