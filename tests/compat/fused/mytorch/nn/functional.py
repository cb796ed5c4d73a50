"""Graph operations. backward(ctx, grad_output) receives a Tensor and returns Tensors."""
import numpy as np

from mytorch import tensor
from mytorch.autograd_engine import Function


def unbroadcast(grad, shape):
    """Sum ``grad`` (an array) over the axes broadcasting added or stretched to reach it."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _out(data):
    return tensor.Tensor(data)


def _grads(*arrays):
    return tuple(None if a is None else tensor.Tensor(a) for a in arrays)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return _out(a.data + b.data)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        return _grads(unbroadcast(g, ctx.shapes[0]), unbroadcast(g, ctx.shapes[1]))


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return _out(a.data - b.data)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        return _grads(unbroadcast(g, ctx.shapes[0]), unbroadcast(-g, ctx.shapes[1]))


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _out(a.data * b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        return _grads(unbroadcast(g * b.data, a.shape), unbroadcast(g * a.data, b.shape))


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _out(a.data / b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        return _grads(unbroadcast(g / b.data, a.shape),
                      unbroadcast(-g * a.data / (b.data * b.data), b.shape))


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _out(a.data @ b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        return _grads(g @ b.data.T, a.data.T @ g)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        return _out(a.data.T)

    @staticmethod
    def backward(ctx, grad_output):
        return _grads(grad_output.data.T)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return _out(a.data.reshape(shape))

    @staticmethod
    def backward(ctx, grad_output):
        return _grads(grad_output.data.reshape(ctx.shape), None)


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _out(np.log(a.data))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _grads(grad_output.data / a.data)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.result = np.exp(a.data)
        return _out(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return _grads(grad_output.data * ctx.result)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.result = np.sqrt(a.data)
        return _out(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return _grads(grad_output.data / (2.0 * ctx.result))


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return _out(a.data.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        if ctx.axis is not None and not ctx.keepdims:
            g = np.expand_dims(g, ctx.axis)
        return _grads(np.broadcast_to(g, ctx.shape).copy(), None, None)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.mask = a.data > 0
        return _out(a.data * ctx.mask)

    @staticmethod
    def backward(ctx, grad_output):
        return _grads(grad_output.data * ctx.mask)


class Pow(Function):
    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _out(a.data ** exponent)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _grads(grad_output.data * ctx.exponent * a.data ** (ctx.exponent - 1), None)


class Linear(Function):
    """x (N, in), weight (out, in), bias (out,) -> x W^T + b, one fused node."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return _out(x.data @ weight.data.T + bias.data)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        g = grad_output.data
        return _grads(g @ weight.data, g.T @ x.data, g.sum(axis=0))


class BatchNorm1d(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta with the given statistics; in training
    mode mean and var are the batch's own, and the gradient flows through them too."""

    @staticmethod
    def forward(ctx, x, gamma, beta, mean, var, eps, training):
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x.data - mean) * inv_std
        ctx.save_for_backward(gamma)
        ctx.x_hat, ctx.inv_std, ctx.training = x_hat, inv_std, training
        return _out(gamma.data * x_hat + beta.data)

    @staticmethod
    def backward(ctx, grad_output):
        (gamma,) = ctx.saved_tensors
        g, x_hat = grad_output.data, ctx.x_hat
        grad_x_hat = g * gamma.data
        if ctx.training:
            grad_x = ctx.inv_std * (grad_x_hat - grad_x_hat.mean(axis=0)
                                    - x_hat * (grad_x_hat * x_hat).mean(axis=0))
        else:
            grad_x = grad_x_hat * ctx.inv_std
        return _grads(grad_x, (g * x_hat).sum(axis=0), g.sum(axis=0), None, None, None, None)


class CrossEntropy(Function):
    @staticmethod
    def forward(ctx, predicted, target):
        x = predicted.data
        shifted = x - x.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        labels = np.asarray(target.data, dtype=int)
        rows = np.arange(len(labels))
        ctx.probs, ctx.labels = np.exp(log_probs), labels
        return _out(np.array(-log_probs[rows, labels].mean()))

    @staticmethod
    def backward(ctx, grad_output):
        grad = ctx.probs.copy()
        grad[np.arange(len(ctx.labels)), ctx.labels] -= 1.0
        return _grads(grad * grad_output.data / len(ctx.labels), None)


def cross_entropy(predicted, target):
    return CrossEntropy.apply(predicted, target)


def _windows(x, k, stride):
    """(N, C, H, W) -> (N, C, Ho, Wo, k, k): strided views of every kernel window."""
    n, c, h, w = x.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, ho, wo, k, k), (s[0], s[1], s[2] * stride, s[3] * stride, s[2], s[3]))


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        p = padding
        padded = np.pad(x.data, ((0, 0), (0, 0), (p, p), (p, p)))
        k = weight.shape[2]
        ctx.save_for_backward(x, weight)
        ctx.padded, ctx.stride, ctx.padding = padded, stride, padding
        out = np.einsum("nchwij,ocij->nohw", _windows(padded, k, stride), weight.data)
        return _out(out + bias.data[None, :, None, None])

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        g, k, s, p = grad_output.data, weight.shape[2], ctx.stride, ctx.padding
        windows = _windows(ctx.padded, k, s)
        grad_weight = np.einsum("nchwij,nohw->ocij", windows, g)
        grad_padded = np.zeros_like(ctx.padded)
        ho, wo = g.shape[2], g.shape[3]
        contribution = np.einsum("nohw,ocij->nchwij", g, weight.data)
        for i in range(k):                  # k * k slices, never a loop over pixels
            for j in range(k):
                grad_padded[:, :, i:i + s * ho:s, j:j + s * wo:s] += contribution[..., i, j]
        h, w = x.shape[2], x.shape[3]
        return _grads(grad_padded[:, :, p:p + h, p:p + w], grad_weight, g.sum(axis=(0, 2, 3)),
                      None, None)
