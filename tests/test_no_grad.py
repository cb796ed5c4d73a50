"""``mytorch.no_grad``: operations run without recording a graph, as under ``torch.no_grad``."""
from __future__ import annotations

import numpy as np
import pytest


def test_outputs_inside_no_grad_are_constants(reference_mytorch):
    from mytorch.nn.linear import Linear
    from mytorch.tensor import Tensor
    layer = Linear(3, 2)
    x = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    with reference_mytorch.no_grad():
        assert not reference_mytorch.is_grad_enabled()
        y = (layer(x) * 2).sum()
    assert (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
    assert reference_mytorch.is_grad_enabled()
    z = (layer(x) * 2).sum()                     # recorded again once the block is left
    assert z.requires_grad and z.grad_fn is not None
    np.testing.assert_allclose(y.data, z.data)   # the same values either way


def test_the_previous_mode_comes_back_after_nesting_and_errors(reference_mytorch):
    with reference_mytorch.no_grad():
        with reference_mytorch.no_grad():
            pass
        assert not reference_mytorch.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with reference_mytorch.no_grad():
            1 / 0
    assert reference_mytorch.is_grad_enabled()


def test_validate_records_no_graph(reference_mytorch, monkeypatch):
    from hw1 import mnist
    from mytorch import autograd_engine
    from mytorch.nn.linear import Linear
    recorded = []
    original = autograd_engine.BackwardFunction.__init__

    def counting(self, function_cls):
        recorded.append(function_cls.__name__)
        original(self, function_cls)

    monkeypatch.setattr(autograd_engine.BackwardFunction, "__init__", counting)
    rng = np.random.default_rng(0)
    val_x, val_y = rng.normal(size=(250, 5)).astype(np.float32), rng.integers(0, 3, 250)
    model = Linear(5, 3)
    accuracy = mnist.validate(model, val_x, val_y)
    assert recorded == []
    assert 0.0 <= accuracy <= 1.0 and reference_mytorch.is_grad_enabled()
