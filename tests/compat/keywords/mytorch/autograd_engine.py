"""Function (its apply() builds the graph) and the recursive backward pass."""
from mytorch import tensor
from mytorch.graph import AccumulateGrad, BackwardFunction


def backward(grad_fn, grad_of_outputs):
    """Send grad_of_outputs (a Tensor) into grad_fn and on, along every path, to the leaves.

    Gradients arriving at a leaf over several paths are summed by its AccumulateGrad.
    """
    if grad_fn is None:
        return
    grads = grad_fn.apply(grad_of_outputs)
    if isinstance(grad_fn, AccumulateGrad):
        return
    if not isinstance(grads, tuple):
        grads = (grads,)
    for parent, grad in zip(grad_fn.next_functions, grads):
        if parent is not None and grad is not None:
            backward(grad_fn=parent, grad_of_outputs=grad)


class Function:
    """An operation: subclasses define forward(ctx, *args) and backward(ctx, grad_output)."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("every Function needs a forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("every Function needs a backward")

    @classmethod
    def apply(cls, *args):
        """Run forward and link its output to the nodes of the inputs.

        Like the original handout, the output always gets a grad_fn (even when no input
        requires grad); inputs that do not require grad have None as their next function.
        """
        backward_function = BackwardFunction(cls)
        output_tensor = cls.forward(backward_function.ctx, *args)

        requires_grad = False
        for arg in args:
            if isinstance(arg, tensor.Tensor) and arg.requires_grad:
                requires_grad = True
                if arg.is_leaf:
                    backward_function.next_functions.append(AccumulateGrad(arg))
                else:
                    backward_function.next_functions.append(arg.grad_fn)
            else:
                backward_function.next_functions.append(None)

        output_tensor.requires_grad = requires_grad
        output_tensor.is_leaf = not requires_grad
        output_tensor.grad_fn = backward_function
        return output_tensor
