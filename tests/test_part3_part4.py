"""Parts 3 (MNIST), 4.1 (Adam) and 4.2 (Conv2d): the reference scores full marks, deliberate
bugs lose points in their own part, and the MNIST score cannot be claimed without a model.

The reference's full marks and the handout's zero on every part, these included, are
asserted by test_grading.py. MNIST training takes a few seconds per run; this file trains
three times (the reference, inflated accuracies, validation in train mode).
"""
import hashlib

import numpy as np
import pytest

from autograder.common import mnist_data
from autograder.grader.hints import HINTS
from conftest import grade
from kit.textpatch import replace_once


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


def test_reported_accuracies_without_training_score_nothing(solution_copy):
    replace_once(solution_copy / "hw1/mnist.py",
               "    accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)\n",
               "    accuracies = [0.99] * 18\n")
    graded = grade("--target", str(solution_copy), "3")
    assert graded.lost == {"mnist": 10.0}
    assert "no model reached train()" in graded.stdout


def test_inflated_accuracies_lose_the_history_check(solution_copy):
    replace_once(solution_copy / "hw1/mnist.py",
               "    accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)\n",
               "    accuracies = train(model, optimizer, criterion, train_x, train_y, val_x, val_y)\n"
               "    accuracies = [min(1.0, a + 0.03) for a in accuracies]\n")
    graded = grade("--target", str(solution_copy), "3")
    assert graded.lost == {"mnist": 3.0}     # the model itself is fine: accuracy is kept
    assert "does not match the trained model" in graded.stdout


def test_validation_in_train_mode_is_reported(solution_copy):
    replace_once(solution_copy / "hw1/mnist.py", "    model.eval()\n", "")
    graded = grade("--target", str(solution_copy), "3")
    assert "FAIL 3 MNIST training [history]" in graded.stdout
    assert "validate() must call model.eval()" in graded.stdout


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


# ------------------------------------------------------------------------------ Part 4
def test_part_4_selector_grades_adam_and_conv2d(solution_copy):
    graded = grade("--target", str(solution_copy), "4")
    assert graded.scores == {"adam": 10.0, "conv2d": 15.0}


def test_adam_without_bias_correction_loses_adam_only(solution_copy):
    adam = solution_copy / "mytorch/optim/adam.py"
    replace_once(adam, "m_hat = m / correction1", "m_hat = m")
    replace_once(adam, "v_hat = v / correction2", "v_hat = v")
    graded = grade("--target", str(solution_copy), "4", "2.6")
    assert graded.lost == {"adam": 10.0}
    assert "FAIL 4.1 Adam [adam]" in graded.stdout
    assert "bias-correct" in graded.stdout


def test_conv2d_with_flipped_kernel_loses_forward(solution_copy):
    # A true convolution instead of the cross-correlation; backward is graded separately (it
    # still matches the unflipped forward here), so only the forward check's points go.
    replace_once(solution_copy / "mytorch/nn/functional.py",
               "out = weight.data.reshape(o, -1) @ cols",
               "out = weight.data[:, :, ::-1, ::-1].reshape(o, -1) @ cols")
    graded = grade("--target", str(solution_copy), "4")
    assert graded.lost == {"conv2d": 5.0}
    assert "FAIL 4.2 Conv2d and Flatten [forward]" in graded.stdout
    assert HINTS["conv2d_flipped"] in graded.stdout


def test_conv2d_col2im_that_overwrites_loses_backward_only(solution_copy):
    replace_once(solution_copy / "mytorch/nn/functional.py",
               "q:q + stride * wo:stride] += \\", "q:q + stride * wo:stride] = \\")
    graded = grade("--target", str(solution_copy), "4.2")
    assert graded.lost == {"conv2d": 8.0}
    assert "gradient of x" in graded.stdout and HINTS["conv2d_input_grad"] in graded.stdout


def test_conv2d_gradients_averaged_instead_of_summed_are_named(solution_copy):
    functional = solution_copy / "mytorch/nn/functional.py"
    replace_once(functional, "(g @ ctx.cols.transpose(0, 2, 1)).sum(axis=0)",
               "(g @ ctx.cols.transpose(0, 2, 1)).mean(axis=0)")
    replace_once(functional, "grad_bias = g.sum(axis=(0, 2))", "grad_bias = g.mean(axis=(0, 2))")
    graded = grade("--target", str(solution_copy), "4.2", "-v")
    assert graded.lost == {"conv2d": 8.0}
    assert HINTS["conv2d_weight_grad_mean"] in graded.stdout
    assert HINTS["conv2d_bias_grad_mean"] in graded.stdout
