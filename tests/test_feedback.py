"""What a student reads: the feedback names the check, the input, the error and the mistake."""
import functools
import io
import os
import re

import numpy as np
import pytest
import torch

from autograder.grader import report
from autograder.grader.compare import GradingFailure, check_close, describe
from autograder.grader.hints import HINTS
from autograder.grader.mistakes import (adam_trajectory, batchnorm, conv2d_mistakes,
                                        layer_norm_mistakes, max_pool_grad_mistakes,
                                        sgd_trajectory)
from conftest import grade
from kit.textpatch import replace_once


def failure(got, expected, what: str = "the gradient checked", **options) -> str:
    with pytest.raises(GradingFailure) as error:
        check_close(got, expected, what=what, context="x shape (2,)", **options)
    return str(error.value)


# ----------------------------------------------------------------------------- compare.py
def test_message_says_what_on_which_input_expected_got_and_errors():
    message = failure(np.array([1.0, 2.5, 3.0]), np.array([1.0, 2.0, 3.0]))
    lines = message.splitlines()
    assert lines[0] == "the gradient checked"
    assert lines[1] == "  on: x shape (2,)"
    assert "at index (1,): expected 2, got 2.5" in message
    assert "1 of 3 values differ; max abs error 0.5, max rel error 0.25" in message


def test_nan_is_reported_as_nan_not_as_an_infinite_error():
    message = failure(np.array([np.nan, np.nan]), np.array([1.0, 2.0]))
    assert "max abs error inf" not in message
    assert "2 of 2 values differ; yours has 2 nan" in message
    assert "got nan" in message
    mixed = failure(np.array([np.nan, 2.5, np.inf]), np.array([1.0, 2.0, 3.0]))
    assert "max abs error (among the finite ones) 0.5" in mixed
    assert "yours has 1 nan and 1 inf" in mixed
    assert "hint: your result has nan or inf where the reference is finite" in mixed


def test_named_mistake_replaces_generic_signatures_and_the_check_hint():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    message = failure(expected + 1, expected, hint="general advice",
                      mistakes={"the bias was added twice": expected + 1, "other": expected * 3})
    hints = [line for line in message.splitlines() if line.startswith("  hint:")]
    assert hints == ["  hint: your result matches a known mistake: the bias was added twice"]
    unnamed = failure(-expected, expected, hint="general advice", mistakes={"other": 3 * expected})
    assert [line for line in unnamed.splitlines() if line.startswith("  hint:")] == [
        "  hint: your result has the opposite sign everywhere (a sign in a derivative or an "
        "update?).", "  hint: general advice"]


@pytest.mark.parametrize("got,phrase", [
    (lambda e: -e, "opposite sign everywhere"),
    (lambda e: 2 * e, "exactly twice"),
    (lambda e: e / 2, "exactly half"),
    (lambda e: 4 * e, "exactly 4 times the reference (a sum where a mean belongs"),
    (lambda e: e / 8, "exactly 1/8 of the reference"),
    (lambda e: 0 * e, "all zeros"),
    (lambda e: e.T, "transpose of the right one"),
    (lambda e: 1.7 * e, "times 1.7 everywhere"),
])
def test_value_signatures(got, phrase):
    expected = np.array([[1.0, -2.0], [3.0, 4.5]])
    assert phrase in failure(got(expected), expected)


def test_shape_signatures_transposed_and_broadcast():
    weight_grad = np.arange(6.0).reshape(2, 3) + 1
    assert "transpose of the right one" in failure(weight_grad.T, weight_grad)
    broadcast = np.arange(12.0).reshape(3, 4)
    right_values = failure(broadcast, broadcast.sum(axis=0))
    assert "right values but still has the broadcast shape (3, 4)" in right_values
    assert "input's shape (4,)" in right_values
    wrong_values = failure(broadcast, broadcast.sum(axis=0) + 1)
    assert "still has the broadcast shape (3, 4)" in wrong_values
    assert "right values" not in wrong_values
    # Smaller or rearranged: never unbroadcast, even when the check's own hint would say so.
    smaller = failure(np.zeros((2, 0)), np.ones((2, 3)), hint=HINTS["unbroadcast"])
    assert HINTS["shape_smaller"] in smaller and "unbroadcast" not in smaller
    rearranged = failure(np.zeros((3, 2, 1)), np.ones((2, 3)), hint=HINTS["unbroadcast"])
    assert HINTS["shape_rearranged"] in rearranged and "unbroadcast" not in rearranged
    larger = failure(np.zeros((5, 2, 3)), np.ones((2, 1)), hint=HINTS["unbroadcast"])
    assert "still has the broadcast shape (5, 2, 3)" in larger and "unbroadcast" in larger
    assert HINTS["shape_larger"] in failure(np.zeros((2, 4)), np.ones((2, 3)))


def test_a_value_that_is_not_a_gradient_gets_no_unbroadcast_advice():
    """BatchNorm's running_mean left as the whole batch: a reduction, not a gradient."""
    batch = np.arange(12.0).reshape(3, 4)
    message = failure(batch, batch.mean(axis=0), what="BatchNorm1d(4): running_mean")
    assert "a sum or mean over the wrong axis, or one left out?" in message
    assert "gradient" not in message and "unbroadcast" not in message


def test_inputs_are_printed_when_small_and_summarised_when_large():
    assert describe(np.array([[1.0, 2.0], [3.0, 4.0]])) == "shape (2, 2) [[1., 2.], [3., 4.]]"
    assert describe(np.arange(12.0).reshape(3, 4) - 5) == "shape (3, 4), values in [-5, 6]"
    assert describe(np.array([1e5, -3e5] * 5)) == "shape (10,), values in [-3e+05, 1e+05]"


# ----------------------------------------------------------------------------- mistake models
@pytest.mark.parametrize("model,torch_optimizer,options", [
    (sgd_trajectory, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (adam_trajectory, torch.optim.Adam, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6}),
    (sgd_trajectory, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (adam_trajectory, torch.optim.Adam, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6,
                                         "weight_decay": 0.3}),
    (functools.partial(adam_trajectory, decoupled=True), torch.optim.AdamW,
     {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": 0.3}),
], ids=["sgd", "adam", "sgd-weight-decay", "adam-weight-decay", "adamw"])
def test_optimizer_models_are_right_when_no_mistake_is_made(model, torch_optimizer, options):
    """The wrong answers are variations of a numpy model; unvaried, it must agree with torch."""
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=4)] for _ in range(3)]
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch_optimizer(tensors, **options)
    history = model(params, grads, **options)
    for step, step_grads in enumerate(grads):
        for t, g in zip(tensors, step_grads):
            t.grad = torch.tensor(g)
        optimizer.step()
        for k, t in enumerate(tensors):
            np.testing.assert_allclose(history[step][k], t.detach().numpy(), rtol=1e-12)


def test_batchnorm_model_is_right_when_no_mistake_is_made():
    rng = np.random.default_rng(0)
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    batches, eval_x = [rng.normal(size=(6, 3)) * 2 + 1 for _ in range(2)], rng.normal(size=(6, 3))
    model = batchnorm(gamma, beta, batches, eval_x, 1e-5, 0.1)
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
    for x, step in zip(batches, model["train"]):
        np.testing.assert_allclose(step["out"], bn(torch.tensor(x)).detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(step["running_var"], bn.running_var.numpy(), rtol=1e-12)
    bn.eval()
    np.testing.assert_allclose(model["eval"]["out"], bn(torch.tensor(eval_x)).detach().numpy(),
                               rtol=1e-10)


@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 0), (3, 2)])
def test_every_conv2d_mistake_is_a_different_answer(stride, padding):
    """A "mistake" equal to the right answer would blame a correct submission."""
    rng = np.random.default_rng(0)
    x, weight, bias = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    upstream = rng.normal(size=out.shape)
    out.backward(torch.tensor(upstream))
    right = {"out": out, "x": tx.grad, "weight": tw.grad, "bias": tb.grad}
    mistakes = conv2d_mistakes(x, weight, bias, stride, padding, upstream)
    assert sum(len(answers) for answers in mistakes.values()) >= 6
    for key, answers in mistakes.items():
        expected = right[key].detach().numpy()
        for hint, answer in answers.items():
            assert answer.shape != expected.shape or not np.allclose(answer, expected), hint



@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4, 5), (4, 5))])
def test_every_layer_norm_mistake_is_a_different_answer(shape, normalized):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape) * 2 + 1
    weight, bias = rng.uniform(0.5, 1.5, size=normalized), rng.normal(size=normalized)
    layer = torch.nn.LayerNorm(normalized, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))
    right = layer(torch.tensor(x)).detach().numpy()
    mistakes = layer_norm_mistakes(x, len(normalized), 1e-5, weight, bias)
    assert len(mistakes) == 3 + (len(normalized) > 1)
    for hint, answer in mistakes.items():
        assert answer.shape != right.shape or not np.allclose(answer, right), hint


def test_every_max_pool_mistake_is_a_different_answer():
    """On small integers (ties) and overlapping windows, where both mistakes show."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(2, 2, 7, 7)).astype(np.float64)
    tx = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(tx, 3, 1)
    upstream = rng.normal(size=out.shape)
    out.backward(torch.tensor(upstream))
    for hint, answer in max_pool_grad_mistakes(x, 3, 1, upstream).items():
        assert not np.allclose(answer, tx.grad.numpy()), hint


# ----------------------------------------------------------------------------- deliberate bugs
def feedback_of(target, *parts, verbose=False) -> str:
    graded = grade("--target", str(target), *parts, *(["-v"] if verbose else []))
    assert graded.returncode == 0, graded.stderr
    assert "Traceback" not in graded.stdout + graded.stderr
    return graded.stdout


def test_bugs_in_part_1_are_named(solution_copy):
    functional = solution_copy / "mytorch/nn/functional.py"
    replace_once(functional, "return tensor.Tensor(a.data - b.data)", "return tensor.Tensor(a.data + b.data)")
    replace_once(functional, "return (unbroadcast(grad_output * b.data, a.shape),\n"
                           "                unbroadcast(grad_output * a.data, b.shape))",
               "return grad_output * b.data, grad_output * a.data")
    replace_once(functional, "unbroadcast(-grad_output * a.data / (b.data * b.data), b.shape))",
               "unbroadcast(-grad_output * a.data / b.data, b.shape))")
    out = feedback_of(solution_copy, "1.1")
    assert "FAIL 1.1 Sub, Mul, Div [sub]\n  Sub (a - b): forward value\n    on: a shape (3, 4)" in out
    assert HINTS["sub_sign"] in out
    mul_backward = _def_line(functional, "class Mul(", "def backward")
    assert ("Mul.backward (mytorch/nn/functional.py:%d, Part 1.1) returned a gradient of shape "
            "(3, 4) for an input of shape (4,)" % mul_backward) in out      # not AccumulateGrad
    assert HINTS["shape_larger"] in out and "AccumulateGrad" not in out
    assert HINTS["div_square"] in out                                      # div
    assert re.search(r"at index \(\d+, \d+\): expected -?\d", out)


def _def_line(path, owner: str, definition: str) -> int:
    """The line number of the first ``definition`` after ``owner`` in the file."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(owner))
    return next(i for i, line in enumerate(lines) if i > start and definition in line) + 1


@pytest.mark.slow
def test_a_gradient_smaller_than_its_input_is_blamed_without_unbroadcast(solution_copy):
    """Conv2d's input gradient cropped with p:-p: empty when the padding is 0."""
    functional = solution_copy / "mytorch/nn/functional.py"
    replace_once(functional, "grad_x = grad_xp[:, :, padding:padding + h, padding:padding + w]",
                 "grad_x = grad_xp[:, :, padding:-padding, padding:-padding]")
    out = feedback_of(solution_copy, "4.2")
    line = _def_line(functional, "class Conv2dFunction(", "def backward")
    assert re.search(r"Conv2dFunction\.backward \(mytorch/nn/functional\.py:%d, Part 4\.2\) "
                     r"returned a gradient of shape \(\d+, \d+, 0, 0\) for an input of shape "
                     r"\(\d+, \d+, \d+, \d+\)" % line, out), out
    assert HINTS["shape_smaller"] in out
    assert "unbroadcast" not in out and "AccumulateGrad" not in out


@pytest.mark.slow
def test_bugs_in_part_2_are_named(solution_copy):
    replace_once(solution_copy / "mytorch/nn/functional.py", "out = x.data @ weight.data.T",
               "out = x.data @ weight.data")
    replace_once(solution_copy / "mytorch/nn/batchnorm.py",
               "var = (centered * centered).sum(axis=0) / m",
               "var = (centered * centered).sum(axis=0) / (m - 1)")
    replace_once(solution_copy / "mytorch/optim/sgd.py", "velocity -= self.lr * param.grad.data",
               "velocity += self.lr * param.grad.data")
    replace_once(solution_copy / "mytorch/nn/functional.py",
               "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")
    replace_once(solution_copy / "mytorch/nn/functional.py", "return (grad_output * (a.data > 0),)",
               "return (grad_output,)")
    out = feedback_of(solution_copy, "2")
    assert "ReLU()(x): gradient of x" in out and HINTS["local_derivative_missing"] in out
    assert HINTS["linear_transposed"] in out
    assert "Linear(3, 3) forward (x @ W.T + b)\n    on: x shape (5, 3), values in [" in out
    assert HINTS["batchnorm_unbiased_norm"] in out
    assert HINTS["momentum_sign"] in out
    stability = out[out.index("[stability]"):]
    assert "yours has" in stability and "nan" in stability.split("\n\n")[0]
    assert "max abs error inf" not in out
    assert HINTS["log_sum_exp"] in out


@pytest.mark.slow
def test_eval_mode_and_running_variance_mistakes_are_named(solution_copy):
    batchnorm = solution_copy / "mytorch/nn/batchnorm.py"
    replace_once(batchnorm, "if not self.is_train:", "if False:")
    out = feedback_of(solution_copy, "2.4")
    assert "FAIL 2.4 BatchNorm1d [eval]" in out and HINTS["batchnorm_eval_batch_stats"] in out
    assert "[train]" not in out
    replace_once(batchnorm, "+ (a * m / (m - 1)) * var", "+ a * var")
    out = feedback_of(solution_copy, "2.4")
    assert HINTS["batchnorm_biased_running"] in out


@pytest.mark.slow
def test_a_check_blocked_by_another_part_says_which(solution_copy):
    sgd = solution_copy / "mytorch/optim/sgd.py"
    replace_once(sgd, "for param, velocity in zip(self.params, self.velocities):",
               'raise NotImplementedError("SGD.step (Part 2.3)")\n'
               "        for param, velocity in zip(self.params, self.velocities):")
    out = feedback_of(solution_copy, "2.3", "2.6")
    assert re.search(r"^  2\.6  momentum +SGD\.step +mytorch/optim/sgd\.py:\d+  <- needs Part 2\.3 first$",
                     out, re.MULTILINE), out
    assert re.search(r"^  2\.3  sgd +SGD\.step +mytorch/optim/sgd\.py:\d+$", out, re.MULTILINE)
    verbose = feedback_of(solution_copy, "2.6", verbose=True)
    assert "This check needs SGD.step from Part 2.3 first (it is not implemented yet)." in verbose
    assert "FAIL 2.6 SGD with momentum [momentum]" in verbose


def test_verbose_shows_every_failing_test_once_per_message():
    out = grade("-v", "1.1").stdout
    assert "test test_sub[((3, 4), (3, 4))-(True, True)] and 9 more with the same message:" in out
    assert "test test_with_numbers[sub]:" in out          # a different stub: its own entry
    assert out.count("Not implemented yet: NotImplementedError raised") == 6


# ----------------------------------------------------------------------------- colour
class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("env,tty,colour", [
    ({"TERM": "xterm-256color"}, True, True),
    ({"TERM": "xterm-256color", "NO_COLOR": "1"}, True, False),
    ({"TERM": "xterm-256color", "NO_COLOR": ""}, True, True),     # no-color.org: empty = unset
    ({"TERM": "dumb"}, True, False),
    ({"TERM": "xterm-256color"}, False, False),                  # piped
])
def test_colour_only_on_a_capable_terminal(monkeypatch, env, tty, colour):
    for name in ("TERM", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    style = report.Style(FakeTerminal() if tty else io.StringIO())
    assert style.colour is colour
    assert ("\033[" in style.bad("FAIL")) is colour
    assert report.Style(FakeTerminal(), colour=False).bad("FAIL") == "FAIL"


def test_piped_grade_output_and_results_json_are_plain(tmp_path):
    results = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    graded = grade("1.1", "--json", str(results), env={**env, "TERM": "xterm-256color", "NO_COLOR": ""})
    assert "\033[" not in graded.stdout
    assert "\033[" not in results.read_text()


@pytest.mark.slow
def test_errors_in_another_parts_function_point_there(solution_copy):
    functional = solution_copy / "mytorch/nn/functional.py"
    replace_once(functional, "return tensor.Tensor(a.data - b.data)", "return tensor.Tensor(a.data - b)")
    out = feedback_of(solution_copy, "1.1")
    assert "Your code raised RecursionError" in out
    assert HINTS["RecursionError"] in out
    replace_once(solution_copy / "mytorch/autograd_engine.py", "node = BackwardFunction(cls)",
               "node = BackwardFunction(cls, bogus=True)")
    out = feedback_of(solution_copy, "2.2")
    assert "Your code raised TypeError" in out
    assert "in Function.apply (mytorch/autograd_engine.py:" in out
    assert "The error was raised in Function.apply, which belongs to Part 1.2" in out


# ----------------------------------------------------------------------------- dependencies
@pytest.mark.slow
def test_a_check_failing_through_a_failing_check_it_needs_says_so_first(solution_copy):
    """An engine that overwrites pending gradients fails [backward], and Tensor.backward's
    check through it: that check's feedback starts by naming [backward]."""
    replace_once(solution_copy / "mytorch/autograd_engine.py",
                 "grads[parent] = grads[parent] + g if parent in grads else g",
                 "grads[parent] = g")
    out = feedback_of(solution_copy, "1.2")
    blocks = {block.splitlines()[0]: block.splitlines()[1:] for block in out.split("\n\n")
              if block.startswith("FAIL")}
    assert blocks["FAIL 1.2 Autograd engine [tensor_backward]"][0] == (
        "  This check runs through 1.2 [backward], which fails too: fix that first, then grade "
        "this again.")
    assert not any("runs through" in line
                   for line in blocks["FAIL 1.2 Autograd engine [backward]"])


def test_needs_are_told_from_public_failures_only():
    from autograder.grader.rubric import Rubric
    from autograder.grader.scoring import TestOutcome, score_checks
    part = Rubric().by_number["1.2"]
    hidden = TestOutcome("hidden/test_x.py::test_b", "1.2", "backward", passed=False)
    public = TestOutcome("test_1_2.py::test_t", "1.2", "tensor_backward", passed=False)
    score_checks([part], [hidden, public])
    assert public.failing_needs == []
    shown = TestOutcome("test_1_2.py::test_b", "1.2", "backward", passed=False)
    score_checks([part], [shown, public])
    assert public.failing_needs == ["1.2 [backward]"] and shown.failing_needs == []
    public.message = "Tensor.backward() on ...: gradient of a"
    public.error = {"kind": "ValueError", "function": "Sub.backward", "part": "1.1", "where": ""}
    raised_in = ("The error was raised in Sub.backward, which belongs to Part 1.1: if that "
                 "part fails too, fix it first.")
    assert report.failure_text(public).splitlines()[-1] == raised_in   # 1.1 not seen failing
    sub = TestOutcome("test_1_1.py::test_sub", "1.1", "sub", passed=False)
    score_checks([Rubric().by_number["1.1"], part], [shown, public, sub])
    assert report.failure_text(public).splitlines() == [
        "The error was raised in Sub.backward, which belongs to Part 1.1: if that part fails "
        "too, fix it first.",
        "This check runs through 1.2 [backward], which fails too: fix that first, then grade "
        "this again.",
        "Tensor.backward() on ...: gradient of a"]


def test_a_convention_check_is_never_named_as_a_prerequisite():
    """Part 3 needs the whole of Part 1.2, but not its constant_grad_fn convention."""
    from autograder.grader.rubric import Rubric
    from autograder.grader.scoring import TestOutcome, score_checks
    rubric = Rubric()
    convention = TestOutcome("test_1_2.py::test_c", "1.2", "constant_grad_fn", passed=False)
    graph = TestOutcome("test_1_2.py::test_g", "1.2", "graph", passed=False)
    training = TestOutcome("test_3_mnist.py::test_h", "3", "history", passed=False)
    score_checks([rubric.by_number["1.2"], rubric.by_number["3"]], [convention, training])
    assert training.failing_needs == []
    score_checks([rubric.by_number["1.2"], rubric.by_number["3"]], [convention, graph, training])
    assert training.failing_needs == ["1.2 [graph]"]
