"""Function.apply builds the graph; backward() runs every node once, in topological order,
passing Tensors. grad_fn is set only on outputs that require grad."""
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
            self.variable.grad = tensor.Tensor(self.variable.grad.data + grad.data)


class BackwardFunction:
    def __init__(self, cls):
        self.ctx = ContextManager()
        self._forward_cls = cls
        self.next_functions = []

    def apply(self, grad_output):
        return self._forward_cls.backward(self.ctx, grad_output)


class Function:
    @classmethod
    def apply(cls, *args):
        node = BackwardFunction(cls)
        parents = [arg for arg in args if isinstance(arg, tensor.Tensor) and arg.requires_grad]
        for arg in args:
            if any(arg is p for p in parents):
                node.next_functions.append(AccumulateGrad(arg) if arg.is_leaf else arg.grad_fn)
            else:
                node.next_functions.append(None)
        output = cls.forward(node.ctx, *args)
        if parents:
            output.requires_grad, output.is_leaf, output.grad_fn = True, False, node
        return output


def backward(grad_fn, grad_of_outputs):
    """Kahn's algorithm: a node runs once every edge into it has delivered its gradient."""
    if grad_fn is None:
        return
    waiting, stack, seen = {}, [grad_fn], {grad_fn}
    while stack:
        for parent in stack.pop().next_functions:
            if parent is not None:
                waiting[parent] = waiting.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    pending, ready = {grad_fn: grad_of_outputs}, [grad_fn]
    while ready:
        node = ready.pop()
        grad = pending.pop(node, None)
        if isinstance(node, AccumulateGrad):
            if grad is not None:
                node.apply(grad)
            continue
        grads = node.apply(grad) if grad is not None else [None] * len(node.next_functions)
        for parent, g in zip(node.next_functions, grads):
            if parent is None:
                continue
            if g is not None:
                pending[parent] = (tensor.Tensor(pending[parent].data + g.data)
                                   if parent in pending else g)
            waiting[parent] -= 1
            if waiting[parent] == 0:
                ready.append(parent)
