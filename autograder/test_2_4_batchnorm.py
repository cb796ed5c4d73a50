"""Part 2.4: BatchNorm1d in training mode (several batches) and in eval mode."""
import numpy as np
import pytest
import torch

from autograder.grader import reference
from autograder.grader.checking import check_expression, check_grad
from autograder.grader.compare import check_close, context_of
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import batchnorm_mistakes

pytestmark = pytest.mark.batchnorm

CASES = [(8, 3, 1e-5, 0.1), (20, 5, 1e-5, 0.1), (4, 6, 1e-3, 0.3)]
# A feature that is constant within every batch: variance 0, so eps alone keeps the division
# finite, x_hat is 0 and the gradient of x is gamma / sqrt(eps) times a centred upstream.
CONSTANT_FEATURE_CASE = (10, 4, 1e-5, 0.1)
N_BATCHES = 3


@pytest.fixture(params=CASES, ids=lambda c: f"m{c[0]}_f{c[1]}_eps{c[2]:g}_mom{c[3]:g}")
def run(request, student, rng):
    """The student's and PyTorch's results for one training/eval scenario."""
    return scenario(student, rng, *request.param)


def scenario(student, rng, m, features, eps, momentum, constant_feature=False, backward=True,
             evaluate=False):
    """``backward=False``: the training batches run forward only (the eval check must not
    depend on any backward, Sum.backward included); ``evaluate``: then eval() and one more
    batch (the training check never runs eval mode)."""
    gamma, beta = rng.uniform(0.5, 1.5, size=features), rng.normal(size=features)
    # Features of different scales and offsets, so mean and variance both matter.
    scale, shift = rng.uniform(0.5, 3.0, size=features), rng.normal(size=features) * 2
    batches = [rng.normal(size=(m, features)) * scale + shift for _ in range(N_BATCHES)]
    if constant_feature:
        for batch in batches:
            batch[:, 0] = shift[0]
    upstreams = [rng.normal(size=(m, features)) for _ in range(N_BATCHES)]
    eval_x = rng.normal(size=(m, features)) * scale + shift
    got = student.run("batchnorm", gamma=gamma, beta=beta, batches=batches, upstreams=upstreams,
                      eval_x=eval_x if evaluate else None, eps=eps, momentum=momentum,
                      backward=backward)
    for step in got["train"] + [got.get("eval", {})]:
        for quantity in ("running_mean", "running_var"):
            if quantity in step:
                step[quantity] = per_feature(step[quantity])

    bn = torch.nn.BatchNorm1d(features, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(reference.tensor(gamma))
        bn.bias.copy_(reference.tensor(beta))
    steps = []
    for x, upstream in zip(batches, upstreams):
        bn.zero_grad()
        tx = reference.tensor(x, True)
        out = bn(tx)
        out.backward(reference.tensor(upstream))
        steps.append({"out": reference.numpy(out), "x": reference.numpy(tx.grad),
                      "gamma": reference.numpy(bn.weight.grad), "beta": reference.numpy(bn.bias.grad),
                      "running_mean": reference.numpy(bn.running_mean),
                      "running_var": reference.numpy(bn.running_var)})
    bn.eval()
    expected_eval = {"out": reference.numpy(bn(reference.tensor(eval_x))),
                     "running_mean": reference.numpy(bn.running_mean),
                     "running_var": reference.numpy(bn.running_var)}
    what = f"BatchNorm1d({features}, eps={eps:g}, momentum={momentum:g})"
    context = f"{N_BATCHES} training batches like " + context_of(x=batches[0])
    mistakes = batchnorm_mistakes(gamma, beta, batches, eval_x, eps, momentum)
    return got, {"train": steps, "eval": expected_eval, "mistakes": mistakes}, what, context


def per_feature(values):
    """A running statistic as one number per feature: kept as a (1, F) row (as the original
    course's BatchNorm1d did) it broadcasts exactly as PyTorch's (F,) does, so it is read as
    (F,); any other shape is left for the check to report."""
    if values is not None and np.ndim(values) == 2 and np.shape(values)[0] == 1:
        return np.reshape(values, -1)
    return values


def _mistakes_for(mistakes: dict, step, quantity: str) -> dict:
    """The known wrong answers for one quantity of one training step (or of eval: step None)."""
    pick = (lambda r: r["eval"][quantity]) if step is None else (lambda r: r["train"][step][quantity])
    return {hint: pick(result) for hint, result in mistakes.items()}


@pytest.mark.check("train")
def test_train_mode(run):
    got, expected, what, context = run
    for k, (g, e) in enumerate(zip(got["train"], expected["train"])):
        step = f"{what}, training batch {k + 1}"
        for quantity in ("out", "running_mean", "running_var"):
            check_close(g[quantity], e[quantity], context=context, hint=HINTS["batchnorm_train"],
                        what=f"{step}: {'output' if quantity == 'out' else quantity}",
                        mistakes=_mistakes_for(expected["mistakes"], k, quantity))
        check_grad(g["x"], e["x"], what=f"{step}: gradient of x", context=context)
        check_grad(g["gamma"], e["gamma"], what=f"{step}: gradient of gamma", context=context)
        check_grad(g["beta"], e["beta"], what=f"{step}: gradient of beta", context=context,
                   hint=HINTS["unbroadcast"])


@pytest.mark.check("train")
def test_train_mode_with_a_constant_feature(student, rng):
    test_train_mode(scenario(student, rng, *CONSTANT_FEATURE_CASE, constant_feature=True))


@pytest.mark.check("eval")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"m{c[0]}_f{c[1]}_eps{c[2]:g}_mom{c[3]:g}")
def test_eval_mode(student, rng, case):
    got, expected, what, context = scenario(student, rng, *case, backward=False, evaluate=True)
    context += " (forward only)"
    what = f"{what} after eval()"
    mistakes = expected["mistakes"]
    check_close(got["eval"]["out"], expected["eval"]["out"], what=f"{what}: output",
                context=context, hint=HINTS["batchnorm_eval"],
                mistakes=_mistakes_for(mistakes, None, "out"))
    for quantity in ("running_mean", "running_var"):
        check_close(got["eval"][quantity], expected["eval"][quantity], context=context,
                    what=f"{what}: {quantity} must not change", hint=HINTS["batchnorm_eval"],
                    mistakes=_mistakes_for(mistakes, None, quantity))


@pytest.mark.check("sum")
@pytest.mark.parametrize("shape", [(4, 4), (3, 5)], ids=str)
def test_sum_over_each_axis(student, rng, shape):
    """Sum (written for BatchNorm) on its own: every axis, with and without keepdims,
    combined with the given Add and Reshape only."""
    check_expression(student, "sums", {"a": rng.normal(size=shape)}, [True],
                     upstream=rng.normal(size=shape),
                     what="a.sum(0).reshape(1, -1) + a.sum(1).reshape(-1, 1) + "
                          "a.sum(1, keepdims=True) + a.sum()",
                     grad_hint="Sum.backward: re-insert the summed axis (np.expand_dims) unless "
                               "keepdims was set, then broadcast to the input's shape.")
