"""Conv2d's reused im2col arrays (solution/mytorch/nn/workspace.py): reuse never mixes up
two calls, and a repeated shape gets the same arrays back."""
from __future__ import annotations

import numpy as np
import pytest



def _gradients(layer, x):
    from mytorch.tensor import Tensor
    layer.weight.grad = layer.bias.grad = None
    tx = Tensor(x, requires_grad=True)
    layer(tx).sum().backward()
    return tx.grad.data, layer.weight.grad.data


def test_a_repeated_shape_reuses_the_columns(reference_mytorch):
    from mytorch.nn import functional as F
    from mytorch.nn.conv import Conv2d
    from mytorch.tensor import Tensor
    layer = Conv2d(2, 3, 3, padding=1)
    x = np.random.default_rng(0).random((2, 2, 5, 5), dtype=np.float32)
    first = layer(Tensor(x, requires_grad=True))
    columns = first.grad_fn.ctx.cols
    first.sum().backward()
    second = layer(Tensor(x, requires_grad=True))
    assert np.shares_memory(second.grad_fn.ctx.cols, columns)
    assert isinstance(F._COLUMNS, type(F._PADDED))


def test_two_forwards_before_backward_keep_their_own_columns(reference_mytorch):
    """Two graphs alive at once (a layer used twice) never share an array."""
    from mytorch.nn.conv import Conv2d
    from mytorch.tensor import Tensor
    rng = np.random.default_rng(1)
    layer = Conv2d(2, 3, 3, stride=2, padding=1)
    a, b = (rng.random((2, 2, 6, 6), dtype=np.float32) for _ in range(2))
    expected_a, expected_b = _gradients(layer, a), _gradients(layer, b)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out_a, out_b = layer(ta), layer(tb)
    layer.weight.grad = None
    out_b.sum().backward()
    np.testing.assert_allclose(tb.grad.data, expected_b[0], rtol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.data, expected_b[1], rtol=1e-6)
    layer.weight.grad = None
    out_a.sum().backward()
    np.testing.assert_allclose(ta.grad.data, expected_a[0], rtol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.data, expected_a[1], rtol=1e-6)


def test_a_second_backward_through_a_conv2d_is_a_clear_error(reference_mytorch):
    from mytorch.nn.conv import Conv2d
    from mytorch.tensor import Tensor
    out = Conv2d(1, 1, 3)(Tensor(np.ones((1, 1, 4, 4), np.float32), requires_grad=True))
    out.sum().backward()
    with pytest.raises(RuntimeError, match="a second time"):
        out.sum().backward()
