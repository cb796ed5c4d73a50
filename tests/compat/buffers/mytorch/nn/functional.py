"""Functions: forward(ctx, *args) returns a numpy array (Function.apply wraps it in a
Tensor); backward(ctx, grad) takes a numpy array and returns one array per argument."""
import numpy as np

from mytorch.autograd_engine import Function


def unbroadcast(grad, shape):
    """Sum ``grad`` back down to ``shape``, undoing numpy broadcasting."""
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes).reshape(shape) if axes else grad


# ------------------------------------------------------------------ elementwise arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a.data + b.data

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shapes[0]), unbroadcast(grad, ctx.shapes[1])


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a.data - b.data

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shapes[0]), unbroadcast(-grad, ctx.shapes[1])


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a.data, b.data)
        return a.data * b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a.data, b.data)
        return a.data / b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return unbroadcast(grad / b, a.shape), unbroadcast(-grad * a / (b * b), b.shape)


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a.data

    @staticmethod
    def backward(ctx, grad):
        return (-grad,)


class Pow(Function):
    """a ** p for a Python number p."""

    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a.data)
        ctx.p = p
        return a.data ** p

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.p == 0:                  # a constant: no gradient (not 0 * a ** -1)
            return np.zeros_like(grad), None
        return grad * ctx.p * a ** (ctx.p - 1), None


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a.data)
        return np.log(a.data)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad / a,)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.out = np.exp(a.data)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.out,)


class ReLU(Function):
    """max(x, 0); the derivative at exactly 0 is taken as 1 (a valid subgradient)."""

    @staticmethod
    def forward(ctx, a):
        ctx.mask = a.data >= 0
        return np.where(ctx.mask, a.data, 0.0)

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.mask,)


# ------------------------------------------------------------------ shapes and reductions
class MatMul(Function):
    """a @ b, with numpy's rules for 1-D operands and broadcast batch dimensions."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a.data, b.data)
        return a.data @ b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a          # 1-D operands as matrices
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return grad_a, grad_b


class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        return a.data.T

    @staticmethod
    def backward(ctx, grad):
        return (grad.T,)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return np.asarray(a.data.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad):
        if ctx.axis is not None and not ctx.keepdims:   # put the summed axes back
            axes = ctx.axis if isinstance(ctx.axis, tuple) else (ctx.axis,)
            grad = np.expand_dims(grad, tuple(ax % len(ctx.shape) for ax in axes))
        return np.broadcast_to(grad, ctx.shape).copy(), None, None


# ------------------------------------------------------------------ fused layers
class Linear(Function):
    """x @ W^T + b for x (N, in), W (out, in), b (out,)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x.data, weight.data)
        return x.data @ weight.data.T + bias.data

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight, grad.T @ x, grad.sum(axis=0)


class BatchNorm(Function):
    """gamma * (x - mean) / sqrt(var + eps) + beta over the batch axis. In training the
    statistics are the batch's (biased variance) and the running ones are updated with the
    unbiased variance; in eval the running statistics are used as constants."""

    @staticmethod
    def forward(ctx, x, gamma, beta, running_mean, running_var, training, momentum, eps):
        if training:
            n = x.shape[0]
            mean, var = x.data.mean(axis=0), x.data.var(axis=0)
            running_mean.data = (1 - momentum) * running_mean.data + momentum * mean
            running_var.data = (1 - momentum) * running_var.data + momentum * var * n / (n - 1)
        else:
            mean, var = running_mean.data, running_var.data
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x.data - mean) * inv_std
        ctx.save_for_backward(gamma.data, x_hat, inv_std)
        ctx.training = training
        return gamma.data * x_hat + beta.data

    @staticmethod
    def backward(ctx, grad):
        gamma, x_hat, inv_std = ctx.saved_tensors
        d_hat = grad * gamma
        if ctx.training:    # the batch statistics depend on x too
            d_x = inv_std * (d_hat - d_hat.mean(axis=0) - x_hat * (d_hat * x_hat).mean(axis=0))
        else:
            d_x = d_hat * inv_std
        return (d_x, (grad * x_hat).sum(axis=0), grad.sum(axis=0)) + (None,) * 5


class CrossEntropy(Function):
    """Mean over the batch of -log softmax(logits)[label], labels given as integers."""

    @staticmethod
    def forward(ctx, logits, labels):
        z = logits.data - logits.data.max(axis=1, keepdims=True)
        log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        rows, cols = np.arange(z.shape[0]), np.asarray(labels.data).astype(int)
        ctx.softmax, ctx.rows, ctx.cols = np.exp(log_softmax), rows, cols
        return np.array(-log_softmax[rows, cols].mean())

    @staticmethod
    def backward(ctx, grad):
        d = ctx.softmax.copy()
        d[ctx.rows, ctx.cols] -= 1.0
        return d * (grad / len(ctx.rows)), None


def cross_entropy(predicted, target):
    return CrossEntropy.apply(predicted, target)


# ------------------------------------------------------------------ convolution
class Conv2d(Function):
    """Cross-correlation without padding: x (N, C, H, W), weight (O, C, K, K), bias (O,).
    Python loops over the K * K kernel offsets only; numpy does the rest."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride):
        k, s = weight.shape[2], stride
        ho, wo = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
        out = np.zeros((x.shape[0], weight.shape[0], ho, wo))
        for i in range(k):
            for j in range(k):
                window = x.data[:, :, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s]
                out += np.einsum("nchw,oc->nohw", window, weight.data[:, :, i, j])
        ctx.save_for_backward(x.data, weight.data)
        ctx.stride = s
        return out + bias.data[None, :, None, None]

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        k, s = weight.shape[2], ctx.stride
        ho, wo = grad.shape[2], grad.shape[3]
        grad_x, grad_w = np.zeros(x.shape), np.zeros(weight.shape)
        for i in range(k):
            for j in range(k):
                rows, cols = slice(i, i + s * (ho - 1) + 1, s), slice(j, j + s * (wo - 1) + 1, s)
                grad_w[:, :, i, j] = np.einsum("nohw,nchw->oc", grad, x[:, :, rows, cols])
                grad_x[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad, weight[:, :, i, j])
        return grad_x, grad_w, grad.sum(axis=(0, 2, 3)), None
