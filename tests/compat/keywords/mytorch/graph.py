"""The nodes of the backward graph that Function.apply links together."""
from mytorch import tensor


class ContextManager:
    """What forward() leaves for backward(): saved tensors and any other attributes."""

    def __init__(self):
        self.saved_tensors = []

    def save_for_backward(self, *args):
        for arg in args:
            if not isinstance(arg, tensor.Tensor):
                raise TypeError("save_for_backward takes Tensors; store other values "
                                "as attributes of ctx")
        self.saved_tensors.extend(args)


class AccumulateGrad:
    """Adds the gradient it receives into a leaf tensor's .grad."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = []        # a leaf: the graph ends here
        self.function_name = "AccumulateGrad"

    def apply(self, arg):
        if self.variable.grad is None:
            self.variable.grad = tensor.Tensor(arg.data)
        else:
            self.variable.grad += arg


class BackwardFunction:
    """The backward node of one call of a Function: its ctx and the nodes of its inputs."""

    def __init__(self, cls):
        self.ctx = ContextManager()
        self._forward_cls = cls
        self.next_functions = []
        self.function_name = cls.__name__

    def apply(self, *args):
        return self._forward_cls.backward(self.ctx, *args)
