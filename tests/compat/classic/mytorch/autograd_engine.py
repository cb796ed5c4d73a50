"""Function.apply builds the graph; backward() walks it recursively, passing Tensors.

grad_fn is set on every output (constants included, as in the original course); a
constant's next function is None, so gradients never reach it."""
from mytorch import tensor


class ContextManager:
    def __init__(self):
        self.saved_tensors = []

    def save_for_backward(self, *tensors):
        self.saved_tensors.extend(tensors)


class AccumulateGrad:
    def __init__(self, variable):
        self.variable = variable
        self.next_functions = []

    def apply(self, grad):
        if self.variable.grad is None:
            self.variable.grad = tensor.Tensor(grad.data.copy())
        else:
            self.variable.grad.data = self.variable.grad.data + grad.data


class BackwardFunction:
    def __init__(self, cls):
        self.ctx = ContextManager()
        self._forward_cls = cls
        self.next_functions = []

    def apply(self, grad_output):
        return self._forward_cls.backward(self.ctx, grad_output)


class Function:
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        node = BackwardFunction(cls)
        requires_grad = False
        for arg in args:
            if isinstance(arg, tensor.Tensor) and arg.requires_grad:
                requires_grad = True
                node.next_functions.append(AccumulateGrad(arg) if arg.is_leaf else arg.grad_fn)
            else:
                node.next_functions.append(None)
        output = cls.forward(node.ctx, *args)
        output.requires_grad = requires_grad
        output.is_leaf = not requires_grad
        output.grad_fn = node
        return output


def backward(grad_fn, grad_of_outputs):
    """Push the gradient along every path (sums are linear, so the leaves get the total)."""
    if grad_fn is None:
        return
    grads = grad_fn.apply(grad_of_outputs)
    if isinstance(grad_fn, AccumulateGrad):
        return
    for parent, grad in zip(grad_fn.next_functions, grads):
        if parent is not None and grad is not None:
            backward(parent, grad)
