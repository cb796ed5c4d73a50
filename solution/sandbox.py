"""Sandbox: try your MyTorch on small examples whose answers you can check by hand.

    python sandbox.py            every example
    python sandbox.py 1.1 2.4    the examples of some parts

Each example prints your result beside the answer worked out by hand (in the comments),
then "ok" or "DIFFERENT". A function you have not written yet prints "not implemented
yet" and the sandbox goes on with the next example. No PyTorch needed: this is a place to
poke at your code with print() before running ./grade.sh. Add your own examples at the end.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Callable, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))     # this folder's mytorch/

EXAMPLES: List[Tuple[str, str, Callable[[], None]]] = []


def example(part: str, title: str) -> Callable:
    """Register the decorated function as an example of ``part``."""
    def register(function: Callable[[], None]) -> Callable[[], None]:
        EXAMPLES.append((part, title, function))
        return function
    return register


def _text(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, (bool, str)):
        return str(value)
    value = getattr(value, "data", value)                      # a Tensor shows its data
    text = np.array2string(np.asarray(value, dtype=float), precision=6, separator=", ",
                           suppress_small=True)
    return " ".join(text.split())                             # one line


def _same(yours, expected) -> bool:
    if isinstance(expected, (bool, str)) or expected is None:
        return yours == expected
    if yours is None:
        return False
    yours = np.asarray(getattr(yours, "data", yours), dtype=float)
    return yours.shape == np.shape(expected) and np.allclose(yours, expected, atol=1e-6)


def show(label: str, yours, expected) -> None:
    """Print your value and the expected one, one above the other."""
    verdict = "ok" if _same(yours, expected) else "DIFFERENT"
    print(f"  {label:<22} yours:    {_text(yours)}")
    print(f"  {'':<22} expected: {_text(expected)}   {verdict}")


def grad_of(t):
    """A tensor's .grad (None when there is none)."""
    return getattr(t, "grad", None)


# ---------------------------------------------------------------------------------------
# Part 1.1: Sub, Mul, Div (the backward lines also need Part 1.2's autograd)
# ---------------------------------------------------------------------------------------
def _ab(a, b):
    from mytorch.tensor import Tensor
    return Tensor(np.array(a, dtype=float), requires_grad=True), \
        Tensor(np.array(b, dtype=float), requires_grad=True)


@example("1.1", "Sub: a - b, b broadcast over the rows; a = [[1, 2], [3, 4]], b = [10, 20]")
def sub_example() -> None:
    a, b = _ab([[1, 2], [3, 4]], [10, 20])
    out = a - b
    show("a - b", out, [[-9, -18], [-7, -16]])
    out.backward()                                # seeds d out = ones(2, 2)
    show("a.grad", grad_of(a), [[1, 1], [1, 1]])
    show("b.grad (summed rows)", grad_of(b), [-2, -2])  # each b[j] was used in both rows


@example("1.1", "Mul: a * b; a = [[1, 2], [3, 4]], b = [10, 20]")
def mul_example() -> None:
    a, b = _ab([[1, 2], [3, 4]], [10, 20])
    out = a * b
    show("a * b", out, [[10, 40], [30, 80]])
    out.backward()
    show("a.grad = b", grad_of(a), [[10, 20], [10, 20]])
    show("b.grad = column sums", grad_of(b), [4, 6])    # 1 + 3 and 2 + 4


@example("1.1", "Div: a / b; a = [[2, 4], [6, 8]], b = [2, 4]")
def div_example() -> None:
    a, b = _ab([[2, 4], [6, 8]], [2, 4])
    out = a / b
    show("a / b", out, [[1, 1], [3, 2]])
    out.backward()
    show("a.grad = 1 / b", grad_of(a), [[0.5, 0.25], [0.5, 0.25]])
    show("b.grad = -sum(a) / b^2", grad_of(b), [-2, -0.75])   # -(2+6)/4, -(4+8)/16


@example("1.1", "Python numbers on either side; a = [1, 2, 4]")
def numbers_example() -> None:
    from mytorch.tensor import Tensor
    a = Tensor(np.array([1.0, 2.0, 4.0]))
    show("3 - a", 3 - a, [2, 1, -1])
    show("a * 2", a * 2, [2, 4, 8])
    show("1 / a", 1 / a, [1, 0.5, 0.25])


# ---------------------------------------------------------------------------------------
# Part 1.2: the graph (Function.apply) and backward (uses the given Add and Log only)
# ---------------------------------------------------------------------------------------
@example("1.2", "Graph flags: x = Tensor([2.], requires_grad=True), c = Tensor([3.])")
def flags_example() -> None:
    from mytorch.tensor import Tensor
    x = Tensor(np.array([2.0]), requires_grad=True)
    c = Tensor(np.array([3.0]))
    y = x + c
    show("(x + c).requires_grad", bool(y.requires_grad), True)
    show("(x + c).is_leaf", bool(y.is_leaf), False)
    show("(x + c) has a grad_fn", y.grad_fn is not None, True)
    z = c + c
    show("(c + c).requires_grad", bool(z.requires_grad), False)
    show("(c + c) has a grad_fn", z.grad_fn is not None, False)   # as in PyTorch


@example("1.2", "Two paths to one leaf: y = log(x) + x + x at x = 2, dy/dx = 1/x + 2")
def backward_example() -> None:
    from mytorch.tensor import Tensor
    x = Tensor(np.array([2.0]), requires_grad=True)
    log_x = x.log()
    y = log_x + x + x
    y.backward()
    show("x.grad", grad_of(x), [2.5])             # the three paths add up: 0.5 + 1 + 1
    show("log(x).grad (non-leaf)", grad_of(log_x), None)


# ---------------------------------------------------------------------------------------
# Part 2: layers, loss and optimizers
# ---------------------------------------------------------------------------------------
def _linear(weight, bias):
    from mytorch.nn.linear import Linear
    out_features, in_features = np.shape(weight)
    layer = Linear(in_features, out_features)
    layer.weight.data = np.array(weight, dtype=float)
    layer.bias.data = np.array(bias, dtype=float)
    return layer


@example("2.1", "Linear(2, 1) with weight [[1, -1]], bias [0.5]; x = [[3, 1], [0, 2]]")
def linear_example() -> None:
    from mytorch.tensor import Tensor
    layer = _linear([[1, -1]], [0.5])
    x = Tensor(np.array([[3.0, 1.0], [0.0, 2.0]]), requires_grad=True)
    out = layer(x)
    show("x @ W.T + b", out, [[2.5], [-1.5]])     # 3 - 1 + 0.5 and 0 - 2 + 0.5
    out.backward()
    show("weight.grad", grad_of(layer.weight), [[3, 3]])   # column sums of x
    show("bias.grad", grad_of(layer.bias), [2])    # one per row: unbroadcast
    show("x.grad", grad_of(x), [[1, -1], [1, -1]])


@example("2.1", "MatMul: a @ b; a = [[1, 2]], b = [[3], [4]]")
def matmul_example() -> None:
    a, b = _ab([[1, 2]], [[3], [4]])
    out = a @ b
    show("a @ b", out, [[11]])
    out.backward()
    show("a.grad = g @ b.T", grad_of(a), [[3, 4]])
    show("b.grad = a.T @ g", grad_of(b), [[1], [2]])


@example("2.1", "Sequential(Linear(2, 1), ReLU()) on the same x")
def sequential_example() -> None:
    from mytorch.nn.activations import ReLU
    from mytorch.nn.sequential import Sequential
    from mytorch.tensor import Tensor
    model = Sequential(_linear([[1, -1]], [0.5]), ReLU())
    show("model(x)", model(Tensor(np.array([[3.0, 1.0], [0.0, 2.0]]))), [[2.5], [0]])


@example("2.2", "ReLU on x = [-1, 0, 0.5, 2]")
def relu_example() -> None:
    from mytorch.nn.activations import ReLU
    from mytorch.tensor import Tensor
    x = Tensor(np.array([-1.0, 0.0, 0.5, 2.0]), requires_grad=True)
    out = ReLU()(x)
    show("relu(x)", out, [0, 0, 0.5, 2])
    out.backward()
    show("x.grad", grad_of(x), [0, 0, 1, 1])       # 1 where the input is > 0; 0 at 0 (PyTorch)


def _parameter(values):
    from mytorch.tensor import Tensor
    return Tensor(np.array(values, dtype=float), requires_grad=True, is_parameter=True)


def _steps(optimizer, params, grads):
    """Give the parameters each step's gradients (one per parameter) and step; the values
    of every parameter after every step."""
    from mytorch.tensor import Tensor
    history = []
    for step_grads in grads:
        for param, grad in zip(params, step_grads):
            param.grad = Tensor(np.array(grad, dtype=float))
        optimizer.step()
        history.append([param.data.copy() for param in params])
    return history


@example("2.3", "SGD(lr=0.1): W = [1, 2], grad = [0.5, -1]")
def sgd_example() -> None:
    from mytorch.optim.sgd import SGD
    w = _parameter([1.0, 2.0])
    ((after,),) = _steps(SGD([w], lr=0.1), [w], [[[0.5, -1.0]]])
    show("W - lr * grad", after, [0.95, 2.1])


@example("2.4", "BatchNorm1d(1, eps=0) on x = [[1], [3]]: mean 2, biased var 1, unbiased 2")
def batchnorm_example() -> None:
    from mytorch.nn.batchnorm import BatchNorm1d
    from mytorch.tensor import Tensor
    bn = BatchNorm1d(1, eps=0.0)
    show("train output", bn(Tensor(np.array([[1.0], [3.0]]))), [[-1], [1]])
    show("running_mean", bn.running_mean, [0.2])   # 0.9 * 0 + 0.1 * 2
    show("running_var", bn.running_var, [1.1])     # 0.9 * 1 + 0.1 * 2 (unbiased)
    bn.eval()
    show("eval output of [[0.2]]", bn(Tensor(np.array([[0.2]]))), [[0]])  # uses running_mean
    show("running_mean (eval)", bn.running_mean, [0.2])


@example("2.4", "BatchNorm1d backward: x = [[1], [3]], upstream [[1], [0]] (y[0] alone)")
def batchnorm_backward_example() -> None:
    from mytorch.nn.batchnorm import BatchNorm1d
    from mytorch.tensor import Tensor
    bn = BatchNorm1d(1, eps=0.0)
    x = Tensor(np.array([[1.0], [3.0]]), requires_grad=True)
    out = bn(x)                                   # x_hat = [[-1], [1]], s = 1
    (out * Tensor(np.array([[1.0], [0.0]]))).sum().backward()
    # g = [[1], [0]]: g - mean(g) - x_hat * mean(g * x_hat) = [[1 - .5 - .5], [0 - .5 + .5]]
    show("x.grad", grad_of(x), [[0], [0]])        # y[0] = -1 whatever x is: no gradient
    show("gamma.grad = sum g * x_hat", grad_of(bn.gamma), [-1])
    show("beta.grad = sum g", grad_of(bn.beta), [1])


@example("2.4", "Sum: a = [[1, 2], [3, 4]]")
def sum_example() -> None:
    from mytorch.tensor import Tensor
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    show("a.sum()", a.sum(), 10)
    show("a.sum(0)", a.sum(0), [4, 6])
    show("a.sum(1, True)", a.sum(1, True), [[3], [7]])
    a.sum(1).sum().backward()
    show("a.grad: ones", grad_of(a), [[1, 1], [1, 1]])   # every element once in the sum


@example("2.5", "cross_entropy: equal logits give log(2); huge logits must not overflow")
def cross_entropy_example() -> None:
    from mytorch.nn.loss import CrossEntropyLoss
    from mytorch.tensor import Tensor
    logits = Tensor(np.array([[0.0, 0.0]]), requires_grad=True)
    loss = CrossEntropyLoss()(logits, Tensor(np.array([0])))
    show("loss([[0, 0]], [0])", loss, np.log(2.0))
    loss.backward()
    show("logits.grad", grad_of(logits), [[-0.5, 0.5]])   # softmax - one_hot, over N = 1
    big = Tensor(np.array([[1000.0, 0.0]]))
    show("loss([[1000, 0]], [1])", CrossEntropyLoss()(big, Tensor(np.array([1]))), 1000.0)


@example("2.5", "Exp: a = [0, 1]")
def exp_example() -> None:
    from mytorch.tensor import Tensor
    a = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    out = a.exp()
    show("e ** a", out, [1, np.e])
    out.backward()
    show("a.grad = e ** a", grad_of(a), [1, np.e])


@example("2.6", "SGD(lr=0.1, momentum=0.9): W = [1] with grad [1] twice, U = [0] with [-2] twice")
def momentum_example() -> None:
    from mytorch.optim.sgd import SGD
    w, u = _parameter([1.0]), _parameter([0.0])
    history = _steps(SGD([w, u], lr=0.1, momentum=0.9), [w, u], [[[1.0], [-2.0]]] * 2)
    show("W after step 1", history[0][0], [0.9])  # v = -0.1
    show("W after step 2", history[1][0], [0.71])  # v = 0.9 * -0.1 - 0.1 = -0.19
    show("U after step 2", history[1][1], [0.58])  # its own velocity: 0.2, then 0.38


# ---------------------------------------------------------------------------------------
# Part 3: hw1/mnist.py (the training run itself: ./grade.sh m)
# ---------------------------------------------------------------------------------------
@example("3", "validate: Linear(2, 2) with weight I, bias 0 on 3 points, labels [0, 1, 1]")
def validate_example() -> None:
    from hw1.mnist import validate
    model = _linear([[1, 0], [0, 1]], [0, 0])     # logits = x: the class is the larger entry
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    accuracy = validate(model, x, np.array([0, 1, 1]))
    show("accuracy (2 of 3 right)", accuracy, 2 / 3)


# ---------------------------------------------------------------------------------------
# Part 4 (when your handout has it)
# ---------------------------------------------------------------------------------------
@example("4.1", "Adam(lr=0.1): W = [1] with grad [0.5], then U = [0] with [-2, 4] changing")
def adam_example() -> None:
    from mytorch.optim.adam import Adam
    w, u = _parameter([1.0]), _parameter([0.0])
    history = _steps(Adam([w, u], lr=0.1), [w, u], [[[0.5], [-2.0]], [[0.5], [4.0]]])
    show("W after step 1", history[0][0], [0.9])  # m_hat = 0.5, v_hat = 0.25: moves by lr
    show("W after step 2", history[1][0], [0.8])
    show("U after step 1", history[0][1], [0.1])  # its own m and v: g = -2 moves it up by lr
    # step 2: m = 0.9 * -0.2 + 0.1 * 4 = 0.22, v = 0.999 * 0.004 + 0.001 * 16 = 0.019996;
    # m_hat = 0.22 / 0.19, v_hat = 0.019996 / 0.001999
    show("U after step 2", history[1][1], [0.1 - 0.1 * (0.22 / 0.19) / np.sqrt(0.019996 / 0.001999)])


@example("4.2", "Conv2d(1, 1, kernel_size=2), weight of ones, bias 0; x = arange(9) as 3x3")
def conv_example() -> None:
    from mytorch.nn.conv import Conv2d
    from mytorch.tensor import Tensor
    conv = Conv2d(1, 1, kernel_size=2)
    conv.weight.data = np.ones((1, 1, 2, 2))
    conv.bias.data = np.zeros(1)
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    out = conv(x)
    show("sums of 2x2 windows", out, [[[[8, 12], [20, 24]]]])
    out.backward()
    show("x.grad: windows/pixel", grad_of(x), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])


@example("4.2", "Flatten: x of shape (2, 1, 2, 2) -> (2, 4)")
def flatten_example() -> None:
    from mytorch.nn.conv import Flatten
    from mytorch.tensor import Tensor
    x = Tensor(np.arange(8.0).reshape(2, 1, 2, 2), requires_grad=True)
    out = Flatten()(x)
    show("Flatten()(x)", out, [[0, 1, 2, 3], [4, 5, 6, 7]])
    out.backward()
    show("x.grad: ones, x's shape", grad_of(x), np.ones((2, 1, 2, 2)))


# ---------------------------------------------------------------------------------------
# Your own examples: copy one above, e.g. @example("mine", "what it shows").
# ---------------------------------------------------------------------------------------


def run(function: Callable[[], None]) -> None:
    """Run one example; report a stub or an error and carry on."""
    try:
        function()
    except NotImplementedError as error:
        print(f"  not implemented yet: {error}")
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(("mytorch", "hw1")):
            raise
        print(f"  not in this handout: no module {error.name}")
    except Exception as error:                            # show where, then go on
        frame = traceback.extract_tb(error.__traceback__)[-1]
        print(f"  error: {type(error).__name__}: {error}\n"
              f"    at {Path(frame.filename).name}:{frame.lineno} in {frame.name}")


def main(parts: List[str]) -> None:
    chosen = [e for e in EXAMPLES if not parts or e[0] in parts or e[0].split(".")[0] in parts]
    if not chosen:
        print(f"No example for {', '.join(parts)}; parts: "
              + ", ".join(sorted({p for p, _, _ in EXAMPLES})))
    for part, title, function in chosen:
        print(f"\nPart {part}  {title}")
        run(function)


if __name__ == "__main__":
    main(sys.argv[1:])
