"""The autograd engine, PyTorch-like: the graph is sorted once (an iterative depth-first
search), then every node runs once with the sum of the gradients buffered for it.
Gradients are numpy arrays throughout; grad_fn is None on outputs of constants."""
import numpy as np


class ContextManager:
    """What a Function's forward keeps for its backward."""

    def __init__(self):
        self.saved_tensors = []

    def save_for_backward(self, *tensors):
        self.saved_tensors.extend(tensors)


class AccumulateGrad:
    """The node of a leaf that requires grad: adds the gradient into ``variable.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = []

    def apply(self, grad):
        from mytorch.tensor import Tensor
        old = self.variable.grad
        total = grad if old is None else old.data + grad
        self.variable.grad = Tensor(np.array(total, dtype=np.float64))


class BackwardFunction:
    """The node of a Function's output: calls the Function's backward with its context."""

    def __init__(self, cls):
        self._forward_cls = cls
        self.ctx = ContextManager()
        self.next_functions = []

    def apply(self, grad_output):
        return self._forward_cls.backward(self.ctx, grad_output)


class Function:
    """Subclasses define forward(ctx, *args) -> numpy array and
    backward(ctx, grad) -> tuple of numpy arrays (None for arguments that are not Tensors)."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        from mytorch.tensor import Tensor
        node = BackwardFunction(cls)
        needs_grad = False
        for arg in args:
            parent = None
            if isinstance(arg, Tensor) and arg.requires_grad:
                needs_grad = True
                parent = accumulator(arg) if arg.is_leaf else arg.grad_fn
            node.next_functions.append(parent)
        output = Tensor(cls.forward(node.ctx, *args))
        if needs_grad:
            output.requires_grad, output.is_leaf, output.grad_fn = True, False, node
        return output


def accumulator(leaf):
    """The leaf's AccumulateGrad node, one per leaf (as in PyTorch)."""
    node = getattr(leaf, "_accumulator", None)
    if node is None:
        node = leaf._accumulator = AccumulateGrad(leaf)
    return node


def backward(grad_fn, grad_of_outputs):
    """Backpropagate the numpy array ``grad_of_outputs`` from the node ``grad_fn``."""
    if grad_fn is None:
        return
    buffers = {id(grad_fn): np.asarray(grad_of_outputs)}
    for node in _reverse_topological_order(grad_fn):
        grad = buffers.pop(id(node), None)
        if grad is None:                # no gradient reached this node
            continue
        if isinstance(node, AccumulateGrad):
            node.apply(grad)
            continue
        for parent, g in zip(node.next_functions, node.apply(grad)):
            if parent is not None and g is not None:
                key = id(parent)
                buffers[key] = buffers[key] + g if key in buffers else g


def _reverse_topological_order(root):
    """Every node reachable from ``root``, each before all the nodes it sends gradients to."""
    finished, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:                    # all its parents are finished
            finished.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.next_functions:
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    return finished[::-1]
