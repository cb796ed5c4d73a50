"""PyTorch's dtype rules in the reference MyTorch, and the grader's float64 checks.

A tensor keeps its data's dtype, operations follow numpy's promotion, gradients have their
tensor's dtype (converted at a leaf, as PyTorch's engine does), parameters are created in
the default dtype (float32); the grader sends float64 inputs and parameter values, so a
float32 shortcut fails its checks.
"""
from __future__ import annotations

import numpy as np
import pytest

from kit.quality import catalogue, grading


def test_a_tensor_keeps_its_data_dtype_and_numbers_take_the_default(reference_mytorch):
    from mytorch.tensor import Tensor
    assert Tensor(np.ones(3, np.float32)).dtype == np.float32
    assert Tensor(np.ones(3, np.float64)).dtype == np.float64
    assert Tensor(np.arange(3)).dtype == np.int64          # class labels stay integers
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor.zeros(2, 2).dtype == np.float32
    # numpy promotion; a Python number does not widen float32 (it has the default dtype).
    x32, x64 = Tensor(np.ones(2, np.float32)), Tensor(np.ones(2, np.float64))
    assert (x32 * 0.5).dtype == np.float32
    assert (x32 + x64).dtype == np.float64
    assert (x64 - 1).dtype == np.float64


def test_parameters_and_gradients_follow_the_default_dtype(reference_mytorch):
    from mytorch.nn.linear import Linear
    from mytorch.tensor import Tensor
    layer = Linear(4, 3)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    layer(Tensor(np.ones((2, 4), np.float32))).sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32

    reference_mytorch.set_default_dtype(np.float64)
    assert reference_mytorch.get_default_dtype() == np.float64
    assert Linear(4, 3).weight.dtype == np.float64
    with pytest.raises(TypeError, match="float32 or float64"):
        reference_mytorch.set_default_dtype(np.int64)


def test_a_leaf_gets_its_own_dtype_whatever_the_computation(reference_mytorch):
    """As in PyTorch's engine: a float32 parameter used with float64 tensors (the result is
    promoted to float64) gets a float32 gradient, on the first backward and the next."""
    from mytorch.nn.linear import Linear
    from mytorch.tensor import Tensor
    layer = Linear(4, 3)                                     # float32 parameters
    x = Tensor(np.ones((2, 4), np.float64))
    out = layer(x)
    assert out.dtype == np.float64
    out.sum().backward()
    layer(x).sum().backward()
    assert layer.weight.grad.dtype == np.float32
    np.testing.assert_allclose(layer.weight.grad.data, np.full((3, 4), 4.0))


def test_a_gradient_that_is_not_floating_point_is_a_clear_error(reference_mytorch):
    """A backward returning a mask (booleans) instead of a gradient."""
    from mytorch.autograd_engine import AccumulateGrad
    from mytorch.tensor import Tensor
    leaf = Tensor(np.ones(3, np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="gradient of dtype bool reached a leaf of dtype float32"):
        AccumulateGrad(leaf).apply(np.ones(3, bool))


def test_mnist_trains_in_float32_end_to_end(reference_mytorch, monkeypatch):
    """One batch of hw1/mnist.py's training on float32 images: every parameter, gradient
    and optimizer state stays float32."""
    from hw1 import mnist
    from mytorch.nn.activations import ReLU
    from mytorch.nn.batchnorm import BatchNorm1d
    from mytorch.nn.linear import Linear
    from mytorch.nn.loss import CrossEntropyLoss
    from mytorch.nn.sequential import Sequential
    from mytorch.optim.sgd import SGD
    rng = np.random.default_rng(0)
    images = rng.random((200, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 200)
    model = Sequential(Linear(784, 20), BatchNorm1d(20), ReLU(), Linear(20, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    monkeypatch.setattr(mnist, "VALIDATE_EVERY", 1)
    accuracies = mnist.train(model, optimizer, CrossEntropyLoss(), images, labels, images[:50],
                             labels[:50], num_epochs=1)
    assert len(accuracies) == 2
    for param in model.parameters():
        assert param.dtype == np.float32 and param.grad.dtype == np.float32
    assert all(v.dtype == np.float32 for v in optimizer.velocities)
    assert model.layers[1].running_mean.dtype == np.float32


@pytest.mark.parametrize("mutant", ["linear-computes-in-float32",
                                    "linear-float32-product-cast-back"])
def test_a_float32_computation_fails_the_float64_checks(mutant, tmp_path):
    """The grader sends float64 inputs and parameter values and compares in float64: a Linear
    that computes in float32 (returning float32, or casting the product back) loses points."""
    entry = next(e for e in catalogue.load("mutant") if e.id == mutant)
    outcome = grading.evaluate(entry, tmp_path)
    assert not outcome.error, outcome.error
    assert outcome.caught, outcome.stdout
    assert "2.1 [linear]" in outcome.failed_checks
