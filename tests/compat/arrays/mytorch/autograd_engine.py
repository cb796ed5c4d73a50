"""Function.apply builds the graph; backward() sorts it with a recursive depth-first search
and runs each node once, passing numpy arrays.

grad_fn is set on every output (constants included, as in the original course); a
constant's next function is None, so gradients never reach it."""
import numpy as np

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
            self.variable.grad = tensor.Tensor(np.array(grad, dtype=np.float64))
        else:
            self.variable.grad.data = self.variable.grad.data + grad


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
    if grad_fn is None:
        return
    order, seen = [], set()

    def visit(node):
        seen.add(node)
        for parent in node.next_functions:
            if parent is not None and parent not in seen:
                visit(parent)
        order.append(node)              # after everything it depends on

    visit(grad_fn)
    grads = {grad_fn: grad_of_outputs}
    for node in reversed(order):
        grad = grads.pop(node, None)
        if grad is None:
            continue
        if isinstance(node, AccumulateGrad):
            node.apply(grad)
            continue
        for parent, g in zip(node.next_functions, node.apply(grad)):
            if parent is not None and g is not None:
                grads[parent] = grads[parent] + g if parent in grads else g
