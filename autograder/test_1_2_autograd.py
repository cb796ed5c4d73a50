"""Part 1.2: Function.apply, autograd_engine.backward and Tensor.backward.

These checks build graphs from the operations given in the handout (Add, Log, Reshape,
Transpose; a transpose as the student's Tensor spells it, ``.T`` or ``T()``), with no Python
numbers, so that they do not depend on Part 1.1. Upstream gradients reach the engine in the
form the student's own Tensor.backward passes (a Tensor or a numpy array).
"""
import numpy as np
import pytest

from autograder.grader.checking import check_expression
from autograder.grader.compare import check_close, check_equal
from autograder.grader.hints import HINTS
from autograder.grader import reference

pytestmark = pytest.mark.autograd


def _positive(rng, *shape):
    return rng.uniform(0.5, 2.0, size=shape)


# ------------------------------------------------------------------------- graph building
@pytest.fixture(scope="module")
def graph(student):
    return student.run("graph_structure")


CONTEXT = "leaf = Tensor(2x3, requires_grad=True), const = Tensor(2x3); mid = leaf + const; top = mid + leaf"


@pytest.mark.check("graph")
def test_output_flags(graph):
    for name, requires_grad in (("mid", True), ("top", True), ("both_const", False)):
        flags = graph[name]
        checked = [("requires_grad", requires_grad), ("is_leaf", not requires_grad)]
        if requires_grad:
            checked.append(("has_grad_fn", True))
        for flag, expected in checked:
            check_equal(flags[flag], expected, what=f"Function.apply: {name}.{flag}",
                        context=CONTEXT + "; both_const = const + const", hint=HINTS["flags"])


@pytest.mark.check("constant_grad_fn")
def test_no_grad_fn_on_constant_output(graph):
    """PyTorch leaves grad_fn None when no input requires grad; a small check of its own."""
    check_equal(graph["both_const"]["has_grad_fn"], False,
                what="Function.apply: both_const.grad_fn should be None (no input requires grad)",
                context=CONTEXT + "; both_const = const + const", hint=HINTS["flags"])


@pytest.mark.check("graph")
def test_next_functions_of_leaf_and_constant(graph):
    check_equal(graph["mid"]["grad_fn_kind"], "BackwardFunction",
                what="Function.apply: mid.grad_fn should be a BackwardFunction", context=CONTEXT,
                hint=HINTS["flags"])
    check_equal(graph["mid"]["next"], ["AccumulateGrad", "None"],
                what="Function.apply: mid.grad_fn.next_functions (for leaf, const)",
                context=CONTEXT, hint=HINTS["next_functions"])
    check_equal(graph["mid"]["next_vars_are_leaf"][:1], [True],
                what="Function.apply: the AccumulateGrad of mid must hold the leaf itself "
                     "(AccumulateGrad(leaf).variable is leaf)", context=CONTEXT)


@pytest.mark.check("graph")
def test_next_functions_of_non_leaf(graph):
    check_equal(graph["top"]["next"], ["BackwardFunction", "AccumulateGrad"],
                what="Function.apply: top.grad_fn.next_functions (for mid, leaf)",
                context=CONTEXT, hint=HINTS["next_functions"])
    check_equal(graph["top_links_mid_grad_fn"], True,
                what="Function.apply: top.grad_fn.next_functions[0] must be mid.grad_fn itself",
                context=CONTEXT, hint=HINTS["next_functions"])


@pytest.mark.check("graph")
def test_inputs_untouched(graph):
    check_equal(graph["leaf"]["is_leaf"] and graph["leaf"]["requires_grad"], True,
                what="Function.apply must not change the flags of its inputs", context=CONTEXT)
    check_equal(graph["const"]["requires_grad"], False,
                what="Function.apply must not make a constant input require grad", context=CONTEXT)


# ------------------------------------------------------------------------- backward
GRAPHS = {
    "chain": "c = a + b; d = log(c); out = d + a",
    "diamond": "c = a + b; d = log(c); e = log(c + d); f = d + e + c; out = f + f.T.T",
    "reuse": "c = a + a; d = c + b + a; out = d.reshape(-1).reshape(d.shape) + c",
    "ladder": "x = a + b, then 8 times x = x + x.T.T; out = log(x)",
}


@pytest.mark.check("backward")
@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("grads", [(True, True), (True, False)], ids=["both_grad", "b_constant"])
def test_backward_through_graph(student, rng, name, grads):
    a, b = _positive(rng, 3, 3), _positive(rng, 3, 3)
    check_expression(student, name, {"a": a, "b": b}, list(grads), upstream=rng.normal(size=(3, 3)),
                     what=f"autograd_engine.backward on {GRAPHS[name]}",
                     grad_hint=HINTS["accumulate"])


@pytest.mark.check("backward")
def test_backward_broadcast_graph(student, rng):
    check_expression(student, "chain", {"a": _positive(rng, 4, 3), "b": _positive(rng, 3)},
                     [True, True], upstream=rng.normal(size=(4, 3)),
                     what=f"autograd_engine.backward on {GRAPHS['chain']} with b broadcast",
                     grad_hint=HINTS["unbroadcast"])


@pytest.mark.check("backward")
def test_backward_routes_by_parent_not_by_position(student, rng):
    """A constant first operand: its gradient (summed to (3,)) must not reach a, which takes
    the second one. An engine that pairs gradients with the inputs requiring grad, in order,
    gives a the wrong one."""
    check_expression(student, "constant_first", {"a": _positive(rng, 4, 3), "b": _positive(rng, 3)},
                     [True, False], upstream=rng.normal(size=(4, 3)),
                     what="autograd_engine.backward on c = b + a (b a constant, broadcast); "
                          "out = log(c) + a",
                     grad_hint=HINTS["route_by_parent"])


@pytest.mark.check("backward")
def test_grad_accumulates_across_backward_calls(student, rng):
    a, b = _positive(rng, 3, 3), _positive(rng, 3, 3)
    got = student.run("accumulate_across_calls", a=a, b=b)
    first = reference.expression("chain", [a, b], [True, True])["grads"]
    second = reference.expression("diamond", [a, b], [True, True])["grads"]
    context = "two graphs on the same leaves a, b; backward() on each in turn"
    check_close(got["after_first"], first[0], what="a.grad after the first backward()",
                context=context)
    check_close(got["a"]["grad"], first[0] + second[0], context=context,
                what="a.grad after the second backward() (should be the sum of both)",
                hint=HINTS["accumulate"], mistakes={HINTS["overwritten"]: second[0]})
    check_close(got["b"]["grad"], first[1] + second[1], context=context,
                what="b.grad after the second backward()", hint=HINTS["accumulate"],
                mistakes={HINTS["overwritten"]: second[1]})


# ------------------------------------------------------------------------- Tensor.backward
@pytest.mark.check("tensor_backward")
@pytest.mark.parametrize("name", ["chain", "reuse"])
def test_tensor_backward_seeds_ones(student, rng, name):
    check_expression(student, name, {"a": _positive(rng, 2, 4), "b": _positive(rng, 2, 4)},
                     [True, True], what=f"Tensor.backward() on out of shape (2, 4), {GRAPHS[name]}",
                     hint=HINTS["tensor_backward"], grad_hint=HINTS["tensor_backward"])


@pytest.mark.check("tensor_backward")
def test_tensor_backward_scalar(student, rng):
    check_expression(student, "diamond", {"a": _positive(rng, 1, 1), "b": _positive(rng, 1, 1)},
                     [True, False], what=f"Tensor.backward() on a (1, 1) output, {GRAPHS['diamond']}",
                     grad_hint=HINTS["tensor_backward"])
