"""The graph operations: each is a Function with a forward and a backward.

Conventions (see mytorch/autograd_engine.py):
- ``forward(ctx, *inputs)`` receives Tensors (and plain options such as an axis) and returns a
  new Tensor built from numpy results. ``Function.apply`` sets its graph flags, not forward.
- ``backward(ctx, grad_output)`` receives dL/d(output) as a numpy array shaped like the output
  and returns a tuple with one numpy array (or None) per forward input, each shaped like the
  input it belongs to.
- Dtypes: compute with the inputs' ``.data`` as they are (no ``astype``), so that results
  follow numpy's promotion and a gradient has its input's dtype (float32 stays float32).
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np

from mytorch import tensor
from mytorch.autograd_engine import ContextManager, Function
from mytorch.nn.workspace import Workspace

Grads = Tuple[Optional[np.ndarray], ...]


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` down to ``shape``, undoing numpy broadcasting.

    Broadcasting prepends axes and stretches axes of length 1. Each stretched copy of an
    input element received its own gradient, so the element's gradient is their sum.
    Example: x (2, 3) + b (3,) -> grad (2, 3); b's gradient is grad.sum(axis=0).
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# ---------------------------------------------------------------------------------------
# Given: elementwise Add and Neg, shape operations, Log and Pow.
# ---------------------------------------------------------------------------------------
class Add(Function):
    """c = a + b, with broadcasting."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, b: tensor.Tensor) -> tensor.Tensor:
        ctx.shapes = (a.shape, b.shape)
        return tensor.Tensor(a.data + b.data)

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        a_shape, b_shape = ctx.shapes
        return unbroadcast(grad_output, a_shape), unbroadcast(grad_output, b_shape)


class Neg(Function):
    """b = -a."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        return tensor.Tensor(-a.data)

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        return (-grad_output,)


class Transpose(Function):
    """b = a.T for a 2-d tensor."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        if a.data.ndim != 2:
            raise ValueError(f"Transpose expects a 2-d tensor, got shape {a.shape}")
        return tensor.Tensor(a.data.T)

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        return (grad_output.T,)


class Reshape(Function):
    """b = a.reshape(shape)."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, shape: tuple) -> tensor.Tensor:
        ctx.input_shape = a.shape
        return tensor.Tensor(a.data.reshape(shape))

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        return grad_output.reshape(ctx.input_shape), None


class Log(Function):
    """b = ln(a), elementwise; d b / d a = 1 / a."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ctx.save_for_backward(a)
        return tensor.Tensor(np.log(a.data))

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        (a,) = ctx.saved_tensors
        return (grad_output / a.data,)


class Pow(Function):
    """b = a ** p for a constant number p; d b / d a = p * a ** (p - 1)."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, exponent: float) -> tensor.Tensor:
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return tensor.Tensor(a.data ** exponent)

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        return grad_output * p * a.data ** (p - 1), None


# ---------------------------------------------------------------------------------------
# Part 1.1: Sub, Mul, Div (with broadcasting: unbroadcast every gradient).
# ---------------------------------------------------------------------------------------
class Sub(Function):
    """c = a - b; dc/da = 1, dc/db = -1."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, b: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.shapes = (a.shape, b.shape)
        return tensor.Tensor(a.data - b.data)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        a_shape, b_shape = ctx.shapes
        return unbroadcast(grad_output, a_shape), unbroadcast(-grad_output, b_shape)
        ### END SOLUTION


class Mul(Function):
    """c = a * b (elementwise); dc/da = b, dc/db = a."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, b: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data * b.data)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        a, b = ctx.saved_tensors
        return (unbroadcast(grad_output * b.data, a.shape),
                unbroadcast(grad_output * a.data, b.shape))
        ### END SOLUTION


class Div(Function):
    """c = a / b (elementwise); dc/da = 1 / b, dc/db = -a / b**2."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, b: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data / b.data)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        a, b = ctx.saved_tensors
        return (unbroadcast(grad_output / b.data, a.shape),
                unbroadcast(-grad_output * a.data / (b.data * b.data), b.shape))
        ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Part 2: MatMul and LinearFunction (2.1), ReLUFunction (2.2), Sum and BatchNorm1dFunction
# (2.4), Exp, CrossEntropyFunction and cross_entropy (2.5). Each fused Function has a
# lowercase entry point for the layers and the loss to call: linear, relu, batch_norm and
# cross_entropy (conv2d for Conv2dFunction in Part 4.2).
# ---------------------------------------------------------------------------------------
class MatMul(Function):
    """c = a @ b for a (n, k) and b (k, m); dL/da = g @ b.T, dL/db = a.T @ g."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, b: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data @ b.data)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        a, b = ctx.saved_tensors
        return grad_output @ b.data.T, a.data.T @ grad_output
        ### END SOLUTION


class LinearFunction(Function):
    """y = x @ W.T + b for x (N, in), W (out, in), b (out,): a fully connected layer in one node.

    The same as MatMul, Transpose and Add chained, but one graph node instead of three.
    With g = dL/dy (N, out):
        dL/dx = g @ W          (N, in)     only computed when x requires grad: an input batch
        dL/dW = g.T @ x        (out, in)   of images does not, and skipping it saves a third
        dL/db = g.sum(axis=0)  (out,)      of the layer's arithmetic
    (b was broadcast over the N rows, so its gradient sums over them: unbroadcast by hand.)
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, weight: tensor.Tensor,
                bias: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, weight)
        out = x.data @ weight.data.T
        out += bias.data                       # in place: no second (N, out) array
        return tensor.Tensor(out)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        x, weight = ctx.saved_tensors
        grad_x = grad_output @ weight.data if x.requires_grad else None
        grad_weight = (x.data.T @ grad_output).T     # = g.T @ x; this order runs faster in BLAS
        return grad_x, grad_weight, grad_output.sum(axis=0)
        ### END SOLUTION


def linear(x: tensor.Tensor, weight: tensor.Tensor, bias: tensor.Tensor) -> tensor.Tensor:
    """y = x @ weight.T + bias: x (N, in), weight (out, in), bias (out,) -> y (N, out).

    One LinearFunction node, like torch.nn.functional.linear.
    """
    return LinearFunction.apply(x, weight, bias)


class ReLUFunction(Function):
    """b = max(a, 0); db/da = 1 where a > 0, else 0."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(a)
        return tensor.Tensor(np.maximum(a.data, 0.0))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        (a,) = ctx.saved_tensors
        return (grad_output * (a.data > 0),)
        ### END SOLUTION


def relu(x: tensor.Tensor) -> tensor.Tensor:
    """max(x, 0), elementwise: x (any shape) -> the same shape. One ReLUFunction node."""
    return ReLUFunction.apply(x)


class Sum(Function):
    """b = a.sum(axis, keepdims); every summed element gets the gradient of its sum."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, axis: Optional[int],
                keepdims: bool) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.input_shape = a.shape
        ctx.axis = axis
        ctx.keepdims = keepdims
        return tensor.Tensor(np.asarray(a.data.sum(axis=axis, keepdims=keepdims)))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        grad = grad_output
        if ctx.axis is not None and not ctx.keepdims:
            grad = np.expand_dims(grad, ctx.axis)
        return np.broadcast_to(grad, ctx.input_shape).copy(), None, None
        ### END SOLUTION


class BatchNorm1dFunction(Function):
    """Batch normalisation of x (N, F) with given statistics, in one graph node.

        x_hat = (x - mean) / sqrt(var + eps)        y = gamma * x_hat + beta

    ``mean`` and ``var`` (F,) are numpy arrays. In training they are the batch's mean and
    biased variance, which themselves depend on x (``batch_statistics=True``); in eval mode
    they are the running statistics, constants. With g = dL/dy, m = N and
    s = sqrt(var + eps), summing over the batch axis:

        dL/dgamma = sum_i g_i * x_hat_i           dL/dbeta = sum_i g_i
        constants:       dL/dx = gamma / s * g
        batch statistics: dL/dx = gamma / s * (g - mean_i(g) - x_hat * mean_i(g * x_hat))

    The last line is the chain rule through mean and var: the two subtracted terms are the
    paths from x through the batch mean and through the batch variance.
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, gamma: tensor.Tensor, beta: tensor.Tensor,
                mean: np.ndarray, var: np.ndarray, eps: float,
                batch_statistics: bool) -> tensor.Tensor:
        ### BEGIN SOLUTION
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x.data - mean) * inv_std
        ctx.save_for_backward(gamma)
        ctx.x_hat, ctx.inv_std, ctx.batch_statistics = x_hat, inv_std, batch_statistics
        out = gamma.data * x_hat
        out += beta.data
        return tensor.Tensor(out)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        (gamma,) = ctx.saved_tensors
        x_hat, g = ctx.x_hat, grad_output
        grad_gamma = (g * x_hat).sum(axis=0)
        grad_beta = g.sum(axis=0)
        if ctx.batch_statistics:
            m = g.shape[0]
            g = g - grad_beta / m - x_hat * (grad_gamma / m)
        grad_x = gamma.data * ctx.inv_std * g
        return grad_x, grad_gamma, grad_beta, None, None, None, None
        ### END SOLUTION


def batch_norm(x: tensor.Tensor, gamma: tensor.Tensor, beta: tensor.Tensor, mean: np.ndarray,
               var: np.ndarray, eps: float, batch_statistics: bool) -> tensor.Tensor:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta for x (N, F) -> y (N, F).

    gamma, beta (F,) are Tensors; mean, var (F,) numpy arrays. ``batch_statistics=True``:
    mean and var are x's own batch statistics (training), so the gradient of x also flows
    through them; False: they are constants (eval mode's running statistics).
    One BatchNorm1dFunction node.
    """
    return BatchNorm1dFunction.apply(x, gamma, beta, mean, var, eps, batch_statistics)


class Exp(Function):
    """b = e ** a, elementwise; db/da = b."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        out = np.exp(a.data)
        ctx.out = out
        return tensor.Tensor(out)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return (grad_output * ctx.out,)
        ### END SOLUTION


class CrossEntropyFunction(Function):
    """L = -(1/N) * sum_i log_softmax(x)[i, y_i] for logits x (N, C) and labels y (N,).

    Forward, row by row, with the log-sum-exp shift m_i = max_j x_ij (large logits would
    overflow exp otherwise):
        log_softmax(x)[i, j] = (x_ij - m_i) - log sum_k exp(x_ik - m_i)
    Backward: with p = softmax(x) and Y the one-hot matrix of the labels,
        dL/dx = g * (p - Y) / N                  (g: the upstream gradient, a number)
    The labels are constants and get no gradient.
    """

    @staticmethod
    def forward(ctx: ContextManager, predicted: tensor.Tensor,
                target: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        x = predicted.data
        n = x.shape[0]
        labels = np.asarray(target.data, dtype=np.int64)      # no copy if already int64
        shifted = x - x.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        picked = shifted[np.arange(n), labels] - np.log(sums[:, 0])   # log-probs of targets
        ctx.softmax, ctx.labels = exps / sums, labels
        return tensor.Tensor(np.asarray(-picked.sum() / n))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        grad = ctx.softmax.copy()            # p - Y; copied so that ctx stays intact
        n = grad.shape[0]
        grad[np.arange(n), ctx.labels] -= 1.0
        grad *= grad_output / n
        return grad, None
        ### END SOLUTION


def cross_entropy(predicted: tensor.Tensor, target: tensor.Tensor) -> tensor.Tensor:
    """Mean negative log-likelihood of the target classes under softmax(predicted).

    Args:
        predicted: logits, shape (N, C).
        target: class indices in [0, C), shape (N,), integer-valued, no gradient.
    Returns:
        a 0-d Tensor  L = -(1/N) * sum_i log_softmax(predicted)[i, target[i]].

    Either compose graph operations (``exp``, ``sum``, ``log``, ...) and let autograd
    differentiate them, or use CrossEntropyFunction above with its backward written
    out. Use the log-sum-exp shift: log sum_j e^{x_j} = m + log sum_j e^{x_j - m} with
    m = max_j x_j, so that large logits do not overflow exp.
    """
    ### BEGIN SOLUTION
    return CrossEntropyFunction.apply(predicted, target)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Part 4.2: Conv2dFunction, by im2col: turn every receptive field into a row, then one matmul.
# ---------------------------------------------------------------------------------------
# Scratch arrays that Conv2dFunction may reuse from call to call (workspace.py; optional: a
# fresh array each time is correct too): the padded input, the columns (saved for backward,
# given back at its end) and their gradient.
_PADDED = Workspace(zeroed=True)              # only the interior is ever written
_COLUMNS = Workspace()
_GRAD_COLUMNS = Workspace()


class Conv2dFunction(Function):
    """2-d cross-correlation with stride s and zero padding P (what deep learning calls conv).

    Shapes: x (N, C, H, W), weight (O, C, kH, kW), bias (O,) -> out (N, O, Ho, Wo) with
    Ho = (H + 2P - kH) // s + 1 and Wo = (W + 2P - kW) // s + 1. With xp = x zero-padded by P:

        out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] * xp[n, c, s*i + p, s*j + q]

    im2col: cols[n, c, p, q, i, j] = xp[n, c, s*i + p, s*j + q], so that for image n, column
    (i, j) of ``cols[n]`` seen as a (C*kH*kW, Ho*Wo) matrix is the receptive field
    xp[n, :, s*i:s*i+kH, s*j:s*j+kW] flattened. It is filled with one strided copy per kernel
    offset (p, q), and the whole convolution is one (batched) matrix product, with no loop
    over pixels:

        out[n] = Wm @ cols[n] + bias        Wm = weight.reshape(O, C*kH*kW)

    With g[n] = dL/dout[n] as an (O, Ho*Wo) matrix, the matmul rule gives

        dL/dweight = sum_n g[n] @ cols[n].T      dL/dbias[o] = sum_{n, i, j} g[n, o, i, j]
        dL/dcols[n] = Wm.T @ g[n]

    and col2im, the copy of im2col run backwards, adds each entry of dL/dcols back onto the
    pixel of xp it was copied from (windows overlap when s < k, so the additions
    accumulate); cropping the padding off gives dL/dx. dL/dcols and col2im are only computed
    when x requires grad: a batch of images does not.
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, weight: tensor.Tensor,
                bias: tensor.Tensor, stride: int = 1, padding: int = 0) -> tensor.Tensor:
        ### BEGIN SOLUTION
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
        xp = x.data
        if padding:
            xp = _PADDED.take((n, c, h + 2 * padding, w + 2 * padding), x.data.dtype)
            xp[:, :, padding:padding + h, padding:padding + w] = x.data
        # im2col: one strided copy per kernel offset (p, q), kH*kW copies in all.
        cols = _COLUMNS.take((n, c, kh, kw, ho, wo), x.data.dtype)
        for p in range(kh):
            for q in range(kw):
                cols[:, :, p, q] = xp[:, :, p:p + stride * ho:stride, q:q + stride * wo:stride]
        if padding:
            _PADDED.give_back(xp)
        cols = cols.reshape(n, c * kh * kw, ho * wo)
        out = weight.data.reshape(o, -1) @ cols                  # (N, O, Ho*Wo)
        out += bias.data[:, None]

        ctx.save_for_backward(weight)
        ctx.cols = cols
        ctx.geometry = (x.shape, ho, wo, stride, padding)
        ctx.x_requires_grad = x.requires_grad
        return tensor.Tensor(out.reshape(n, o, ho, wo))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        (weight,) = ctx.saved_tensors
        if ctx.cols is None:
            raise RuntimeError("backward through a Conv2d a second time: its columns were "
                               "released by the first backward (as in PyTorch)")
        x_shape, ho, wo, stride, padding = ctx.geometry
        n, c, h, w = x_shape
        o, _, kh, kw = weight.shape
        g = grad_output.reshape(n, o, ho * wo)

        grad_weight = (g @ ctx.cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
        grad_bias = g.sum(axis=(0, 2))
        _COLUMNS.give_back(ctx.cols.reshape(n, c, kh, kw, ho, wo))
        ctx.cols = None
        if not ctx.x_requires_grad:
            return None, grad_weight, grad_bias, None, None
        # col2im: one strided slice of xp per kernel offset (p, q), kH*kW additions in all, on
        # dL/dcols and xp laid out as (A, kH, kW, Ho, Wo, B) and (A, Hp, Wp, B). With stride 1
        # that is N, C, H, W as it is (A = N*C, B = 1): each addition runs along rows of xp.
        # With a larger stride it writes every s-th pixel, which numpy does Wo numbers at a
        # time; so the batch axis goes last (A = C, B = N: dL/dcols computed from the upstream
        # gradient moved batch-last), and every addition moves runs of N numbers.
        wm_t = weight.data.reshape(o, -1).T                       # (C*kH*kW, O)
        if stride == 1:
            grad_cols = _GRAD_COLUMNS.take((n, c * kh * kw, ho * wo), grad_output.dtype)
            np.matmul(wm_t, g, out=grad_cols)
            cols6 = grad_cols.reshape(n * c, kh, kw, ho, wo, 1)
        else:
            g_last = np.ascontiguousarray(g.reshape(n, o, ho, wo).transpose(1, 2, 3, 0))
            grad_cols = _GRAD_COLUMNS.take((c * kh * kw, ho * wo * n), grad_output.dtype)
            np.matmul(wm_t, g_last.reshape(o, -1), out=grad_cols)
            cols6 = grad_cols.reshape(c, kh, kw, ho, wo, n)
        hp, wp = h + 2 * padding, w + 2 * padding
        grad_xp = np.zeros((cols6.shape[0], hp, wp, cols6.shape[5]), grad_output.dtype)
        for p in range(kh):
            for q in range(kw):
                grad_xp[:, p:p + stride * ho:stride, q:q + stride * wo:stride] += cols6[:, p, q]
        _GRAD_COLUMNS.give_back(grad_cols)
        grad_xp = (grad_xp.reshape(n, c, hp, wp) if stride == 1
                   else np.ascontiguousarray(grad_xp.transpose(3, 0, 1, 2)))   # N, C, Hp, Wp
        grad_x = grad_xp[:, :, padding:padding + h, padding:padding + w]
        return grad_x, grad_weight, grad_bias, None, None
        ### END SOLUTION


def conv2d(x: tensor.Tensor, weight: tensor.Tensor, bias: tensor.Tensor, stride: int = 1,
           padding: int = 0) -> tensor.Tensor:
    """Cross-correlation: x (N, C, H, W), weight (O, C, kH, kW), bias (O,) -> (N, O, Ho, Wo).

    Ho = (H + 2 * padding - kH) // stride + 1, likewise Wo. One Conv2dFunction node (its
    docstring has the maths), like torch.nn.functional.conv2d.
    """
    return Conv2dFunction.apply(x, weight, bias, stride, padding)


# ---------------------------------------------------------------------------------------
# Part 5 (the extension track): more activations, MSE, dropout, the L1 penalty.
# ---------------------------------------------------------------------------------------
class TanhFunction(Function):
    """b = tanh(a), elementwise; db/da = 1 - b^2."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.out = np.tanh(a.data)
        return tensor.Tensor(ctx.out)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return (grad_output * (1.0 - ctx.out * ctx.out),)
        ### END SOLUTION


class SigmoidFunction(Function):
    """b = 1 / (1 + e^-a), elementwise; db/da = b (1 - b).

    Numerically stable for large |a|: e^-a overflows for a << 0, so compute with
    z = e^-|a| (never above 1):  b = 1 / (1 + z) where a >= 0,  b = z / (1 + z) where a < 0.
    """

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        z = np.exp(-np.abs(a.data))
        ctx.out = np.where(a.data >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        return tensor.Tensor(ctx.out)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return (grad_output * ctx.out * (1.0 - ctx.out),)
        ### END SOLUTION


class LeakyReLUFunction(Function):
    """b = a where a > 0, else slope * a; db/da = 1 where a > 0, else slope (also at 0)."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, slope: float) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.local = np.where(a.data > 0, 1.0, slope).astype(a.data.dtype)
        return tensor.Tensor(a.data * ctx.local)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return grad_output * ctx.local, None
        ### END SOLUTION


class GELUFunction(Function):
    """b = a * Phi(a), Phi the standard normal CDF: Phi(a) = (1 + erf(a / sqrt 2)) / 2.

    db/da = Phi(a) + a * phi(a), with phi(a) = e^(-a^2 / 2) / sqrt(2 pi). numpy has no erf:
    ``np.vectorize(math.erf)`` applies the standard library's.
    """

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        x = a.data
        cdf = 0.5 * (1.0 + np.vectorize(math.erf, otypes=[x.dtype])(x / math.sqrt(2.0)))
        ctx.local = cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return tensor.Tensor(x * cdf)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return (grad_output * ctx.local,)
        ### END SOLUTION


class MSELossFunction(Function):
    """L = (1/n) sum_i (p_i - t_i)^2 over all n entries of prediction p and target t.

    dL/dp = 2 (p - t) / n * g and dL/dt = -dL/dp (g: the upstream gradient, a number).
    """

    @staticmethod
    def forward(ctx: ContextManager, predicted: tensor.Tensor,
                target: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.difference = predicted.data - target.data
        return tensor.Tensor(np.asarray(np.mean(ctx.difference ** 2)))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        grad = 2.0 * ctx.difference / ctx.difference.size * grad_output
        return grad, -grad
        ### END SOLUTION


class DropoutFunction(Function):
    """b = a * mask * scale for a fixed 0/1 ``mask`` (numpy, shaped like a); db/da = mask * scale."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor, mask: np.ndarray,
                scale: float) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.local = mask * scale
        return tensor.Tensor(a.data * ctx.local)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return grad_output * ctx.local, None, None
        ### END SOLUTION


class Abs(Function):
    """b = |a|, elementwise; db/da = sign(a) (0 at a = 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx: ContextManager, a: tensor.Tensor) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.sign = np.sign(a.data)
        return tensor.Tensor(np.abs(a.data))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        return (grad_output * ctx.sign,)
        ### END SOLUTION


def l1_penalty(parameters: List[tensor.Tensor], strength: float) -> tensor.Tensor:
    """strength * sum over the parameters W of sum_ij |W_ij|, as a graph (a 0-d Tensor).

    Add it to the loss: backward then adds strength * sign(W) to every W.grad. Build it from
    graph operations (``Abs``, ``.sum()``, ``+``, ``*``) so that autograd differentiates it.
    """
    ### BEGIN SOLUTION
    total = Abs.apply(parameters[0]).sum()
    for parameter in parameters[1:]:
        total = total + Abs.apply(parameter).sum()
    return total * tensor.Tensor(np.asarray(strength, dtype=total.data.dtype))
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Part 5.6: LayerNormFunction, and the pooling Functions (windows as strided views, no loop
# over pixels).
# ---------------------------------------------------------------------------------------
class LayerNormFunction(Function):
    """Layer normalisation of every sample over its last ``normalized_ndim`` axes, one node.

    For x (..., *normalized_shape), with the mean and the biased variance taken over the D
    entries of the normalised axes of each sample (one row of D numbers per sample):

        mu = (1/D) sum_d x_d        var = (1/D) sum_d (x_d - mu)^2        s = sqrt(var + eps)
        x_hat = (x - mu) / s        y = weight * x_hat + bias     (weight, bias: normalized_shape)

    Unlike BatchNorm the statistics are each sample's own, the same in training and in eval
    mode, and nothing is kept between calls. weight and bias are None without the affine
    transform (y = x_hat). With g = dL/dy, summing over the leading (sample) axes:

        dL/dweight = sum g * x_hat          dL/dbias = sum g
        with h = g * weight (h = g without weight), mean_D over each sample's D entries:
        dL/dx = (h - mean_D(h) - x_hat * mean_D(h * x_hat)) / s

    The last line is BatchNorm's, with the mean taken over a sample's entries instead of the
    batch: the two subtracted terms are the paths from x through mu and through var.
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, weight: Optional[tensor.Tensor],
                bias: Optional[tensor.Tensor], normalized_ndim: int,
                eps: float) -> tensor.Tensor:
        ### BEGIN SOLUTION
        axes = tuple(range(x.data.ndim - normalized_ndim, x.data.ndim))
        centered = x.data - x.data.mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt((centered * centered).mean(axis=axes, keepdims=True) + eps)
        x_hat = centered * inv_std
        ctx.x_hat, ctx.inv_std, ctx.axes, ctx.weight = x_hat, inv_std, axes, weight
        if weight is None:
            return tensor.Tensor(x_hat)
        return tensor.Tensor(weight.data * x_hat + bias.data)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        x_hat, axes, weight = ctx.x_hat, ctx.axes, ctx.weight
        samples = tuple(range(x_hat.ndim - len(axes)))
        g, grad_weight, grad_bias = grad_output, None, None
        if weight is not None:
            grad_weight = (g * x_hat).sum(axis=samples)
            grad_bias = g.sum(axis=samples)
            g = g * weight.data
        g = g - g.mean(axis=axes, keepdims=True) - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)
        return ctx.inv_std * g, grad_weight, grad_bias, None, None
        ### END SOLUTION


def layer_norm(x: tensor.Tensor, normalized_shape: Tuple[int, ...],
               weight: Optional[tensor.Tensor] = None, bias: Optional[tensor.Tensor] = None,
               eps: float = 1e-5) -> tensor.Tensor:
    """Normalise x (..., *normalized_shape) over its last len(normalized_shape) axes, then
    y = weight * x_hat + bias (skipped when weight is None): one LayerNormFunction node, like
    torch.nn.functional.layer_norm."""
    normalized_shape = tuple(normalized_shape)
    if tuple(x.shape[x.data.ndim - len(normalized_shape):]) != normalized_shape:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in the "
                         f"normalized shape {normalized_shape}")
    return LayerNormFunction.apply(x, weight, bias, len(normalized_shape), eps)


def pool_windows(x: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """The k x k windows of x (N, C, H, W) that a pooling layer reduces, as a strided view
    (no copy): windows[n, c, i, j, p, q] = x[n, c, s*i + p, s*j + q], of shape
    (N, C, Ho, Wo, k, k) with Ho = (H - k) // s + 1 and Wo = (W - k) // s + 1."""
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size),
                                                       axis=(2, 3))
    return windows[:, :, ::stride, ::stride]


class MaxPool2dFunction(Function):
    """out[n, c, i, j] = max over the window (p, q) of x[n, c, s*i + p, s*j + q].

    x (N, C, H, W) -> out (N, C, Ho, Wo), Ho = (H - k) // s + 1 (no padding; rows and columns
    that no window reaches get no gradient). The gradient of a maximum goes to the entry
    that was the maximum, the window's argmax (p*, q*); ties go to the first one in row-major
    order (np.argmax's choice, and PyTorch's):

        dL/dx[n, c, s*i + p*, s*j + q*] += g[n, c, i, j]

    Windows overlap when s < k, so one entry can be the argmax of several windows: the
    additions must accumulate (np.add.at does; ``grad_x[index] += g`` with repeated indices
    keeps only one of them).
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, kernel_size: int,
                stride: int) -> tensor.Tensor:
        ### BEGIN SOLUTION
        windows = pool_windows(x.data, kernel_size, stride)
        n, c, ho, wo = windows.shape[:4]
        flat = windows.reshape(n, c, ho, wo, kernel_size * kernel_size)
        argmax = flat.argmax(axis=-1)
        ctx.argmax, ctx.geometry = argmax, (x.shape, kernel_size, stride)
        return tensor.Tensor(np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0])
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        x_shape, k, s = ctx.geometry
        n, c, ho, wo = grad_output.shape
        rows = s * np.arange(ho)[:, None] + ctx.argmax // k       # (N, C, Ho, Wo)
        cols = s * np.arange(wo)[None, :] + ctx.argmax % k
        batch = np.arange(n)[:, None, None, None]
        channel = np.arange(c)[None, :, None, None]
        grad_x = np.zeros(x_shape)
        np.add.at(grad_x, (batch, channel, rows, cols), grad_output)
        return grad_x, None, None
        ### END SOLUTION


def max_pool2d(x: tensor.Tensor, kernel_size: int, stride: Optional[int] = None) -> tensor.Tensor:
    """The maximum of every k x k window, windows ``stride`` apart (default k): x (N, C, H, W)
    -> (N, C, Ho, Wo). One MaxPool2dFunction node."""
    return MaxPool2dFunction.apply(x, kernel_size, kernel_size if stride is None else stride)


class AvgPool2dFunction(Function):
    """out[n, c, i, j] = (1/k^2) sum over the window (p, q) of x[n, c, s*i + p, s*j + q].

    x (N, C, H, W) -> out (N, C, Ho, Wo), Ho = (H - k) // s + 1 (no padding). Every entry of
    a window gets 1/k^2 of the window's gradient:

        dL/dx[n, c, s*i + p, s*j + q] += g[n, c, i, j] / k^2        for every p, q < k

    one strided slice of dL/dx per kernel offset (p, q) (k^2 additions, no loop over
    pixels); overlapping windows (s < k) add up.
    """

    @staticmethod
    def forward(ctx: ContextManager, x: tensor.Tensor, kernel_size: int,
                stride: int) -> tensor.Tensor:
        ### BEGIN SOLUTION
        ctx.geometry = (x.shape, kernel_size, stride)
        return tensor.Tensor(pool_windows(x.data, kernel_size, stride).mean(axis=(-2, -1)))
        ### END SOLUTION

    @staticmethod
    def backward(ctx: ContextManager, grad_output: np.ndarray) -> Grads:
        ### BEGIN SOLUTION
        x_shape, k, s = ctx.geometry
        ho, wo = grad_output.shape[2:]
        share = grad_output / (k * k)
        grad_x = np.zeros(x_shape)
        for p in range(k):
            for q in range(k):
                grad_x[:, :, p:p + s * ho:s, q:q + s * wo:s] += share
        return grad_x, None, None
        ### END SOLUTION


def avg_pool2d(x: tensor.Tensor, kernel_size: int, stride: Optional[int] = None) -> tensor.Tensor:
    """The mean of every k x k window, windows ``stride`` apart (default k): x (N, C, H, W)
    -> (N, C, Ho, Wo). One AvgPool2dFunction node."""
    return AvgPool2dFunction.apply(x, kernel_size, kernel_size if stride is None else stride)
