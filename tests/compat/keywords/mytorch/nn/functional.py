"""The graph operations. Each backward(ctx, grad_output) gets a Tensor and returns one
gradient Tensor per forward argument (None for arguments that are not Tensors)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mytorch import tensor
from mytorch.autograd_engine import Function


def unbroadcast(grad, shape):
    """Sum grad (an array) back down to shape, undoing numpy broadcasting."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return tensor.Tensor(a.data + b.data)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        return (tensor.Tensor(unbroadcast(g, ctx.a_shape)),
                tensor.Tensor(unbroadcast(g, ctx.b_shape)))


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return tensor.Tensor(a.data - b.data)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        return (tensor.Tensor(unbroadcast(g, ctx.a_shape)),
                tensor.Tensor(unbroadcast(-g, ctx.b_shape)))


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data * b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        return (tensor.Tensor(unbroadcast(g * b.data, a.shape)),
                tensor.Tensor(unbroadcast(g * a.data, b.shape)))


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data / b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        grad_a = g / b.data
        grad_b = -g * a.data / (b.data ** 2)
        return (tensor.Tensor(unbroadcast(grad_a, a.shape)),
                tensor.Tensor(unbroadcast(grad_b, b.shape)))


class MatMul(Function):
    """(n, k) @ (k, m)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data @ b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        g = grad_output.data
        return tensor.Tensor(g @ b.data.T), tensor.Tensor(a.data.T @ g)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        return tensor.Tensor(a.data.T)

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data.T)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return tensor.Tensor(a.data.reshape(shape))

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data.reshape(ctx.shape)), None


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return tensor.Tensor(np.log(a.data))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data / a.data)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = tensor.Tensor(np.exp(a.data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data * out.data)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = tensor.Tensor(np.sqrt(a.data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data / (2 * out.data))


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return tensor.Tensor(a.data.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output.data
        if ctx.axis is not None and not ctx.keepdims:
            g = np.expand_dims(g, ctx.axis)     # put the summed axes back, as size 1
        return tensor.Tensor(np.ones(ctx.shape) * g), None, None


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return tensor.Tensor(np.maximum(a.data, 0))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data * (a.data > 0))


def to_one_hot(labels, num_classes):
    """Integer labels (a Tensor) -> a constant (batch, num_classes) Tensor of 0s and 1s."""
    labels = labels.data.astype(int)
    one_hot = np.zeros((labels.shape[0], num_classes))
    one_hot[np.arange(labels.shape[0]), labels] = 1
    return tensor.Tensor(one_hot)


def cross_entropy(predicted, target):
    """Mean cross-entropy of logits predicted (batch, classes) and integer labels target.

    log_softmax(x) = x - a - log(sum(exp(x - a))) with a the row maximum (a constant), so
    that exp never overflows.
    """
    batch_size, num_classes = predicted.shape
    a = tensor.Tensor(predicted.data.max(axis=1, keepdims=True))
    shifted = predicted - a
    log_softmax = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    nll = (log_softmax * to_one_hot(target, num_classes)).sum()
    return nll / tensor.Tensor(-float(batch_size))


class Conv2d(Function):
    """x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, Ho, Wo)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride=1, padding=0):
        p, (kh, kw) = padding, weight.shape[2:]
        x_pad = np.pad(x.data, ((0, 0), (0, 0), (p, p), (p, p)))
        # every kh x kw window, one per output position: (N, C, Ho, Wo, kh, kw)
        windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
        out = np.tensordot(windows, weight.data, axes=([1, 4, 5], [1, 2, 3]))  # (N, Ho, Wo, O)
        ctx.save_for_backward(x, weight)
        ctx.x_pad, ctx.windows, ctx.stride, ctx.padding = x_pad, windows, stride, padding
        return tensor.Tensor(out.transpose(0, 3, 1, 2) + bias.data.reshape(1, -1, 1, 1))

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        g = grad_output.data                                   # (N, O, Ho, Wo)
        s, p, (kh, kw) = ctx.stride, ctx.padding, weight.shape[2:]
        out_h, out_w = g.shape[2:]

        grad_weight = np.tensordot(g, ctx.windows, axes=([0, 2, 3], [0, 2, 3]))
        grad_bias = g.sum(axis=(0, 2, 3))
        # each kernel tap (i, j) sent weight[:, :, i, j] @ x to every output position
        grad_x_pad = np.zeros(ctx.x_pad.shape)
        for i in range(kh):
            for j in range(kw):
                tap = np.tensordot(g, weight.data[:, :, i, j], axes=([1], [0]))  # (N, Ho, Wo, C)
                grad_x_pad[:, :, i:i + s * out_h:s, j:j + s * out_w:s] += tap.transpose(0, 3, 1, 2)
        h, w = x.shape[2:]
        grad_x = grad_x_pad[:, :, p:p + h, p:p + w]
        return (tensor.Tensor(grad_x), tensor.Tensor(grad_weight), tensor.Tensor(grad_bias),
                None, None)


if __name__ == "__main__":
    # Self-test against PyTorch (never imported by the package; run it by hand).
    import torch

    np.random.seed(0)
    x_np, w_np, b_np = np.random.randn(2, 3, 7, 6), np.random.randn(4, 3, 3, 3), np.random.randn(4)
    x, w, b = (tensor.Tensor(v, requires_grad=True) for v in (x_np, w_np, b_np))
    out = Conv2d.apply(x, w, b, 2, 1)
    out.sum().backward()
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x_np, w_np, b_np))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, stride=2, padding=1)
    out_t.sum().backward()
    print("conv2d out ", np.allclose(out.data, out_t.detach().numpy()))
    for name, mine, theirs in [("x", x, xt), ("w", w, wt), ("b", b, bt)]:
        print("conv2d grad", name, np.allclose(mine.grad.data, theirs.grad.numpy()))

    logits_np, labels_np = np.random.randn(5, 4) * 10, np.array([0, 3, 1, 1, 2])
    logits = tensor.Tensor(logits_np, requires_grad=True)
    loss = cross_entropy(logits, tensor.Tensor(labels_np))
    loss.backward()
    logits_t = torch.tensor(logits_np, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(labels_np))
    loss_t.backward()
    print("cross_entropy", np.allclose(loss.data, loss_t.item()),
          np.allclose(logits.grad.data, logits_t.grad.numpy()))
