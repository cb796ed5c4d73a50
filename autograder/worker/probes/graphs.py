"""Probes of Parts 1.1, 1.2, 2.2 and 2.5: computations of expressions.py on student Tensors,
and how Function.apply links the graph."""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from autograder.common import expressions
from autograder.worker.probes import adapters


def expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool],
               upstream: Optional[np.ndarray] = None, backward: bool = True,
               numbers_may_be_rejected: bool = False) -> dict:
    """Run ``expressions.<name>`` on student tensors, then backpropagate.

    ``numbers_may_be_rejected``: the computation mixes Tensors and Python numbers, and a
    Tensor whose operators take Tensors only may refuse with a TypeError (reported as
    ``rejected``, not raised)."""
    tensors = [adapters.tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    try:
        named = expressions.lookup(name)(adapters.MyTorchOps, *tensors)
    except TypeError as error:
        if not numbers_may_be_rejected:
            raise
        return {"rejected": f"TypeError: {error}"}
    out = named["out"]
    result = {"out": adapters.data(out), "out_flags": adapters.flags(out), "inputs": [], "intermediates": {},
              "backward": {"raised": ""}}
    if backward:
        result["backward"] = adapters.backward_if_graph(out, upstream)
    for t in tensors:
        result["inputs"].append({**adapters.flags(t), **adapters.grad_report(t)})
    for key, t in named.items():
        if key != "out":
            result["intermediates"][key] = {**adapters.flags(t), **adapters.grad_report(t)}
    return result


def integer_target_cross_entropy(logits: np.ndarray, target: np.ndarray) -> dict:
    """cross_entropy with an integer label tensor that does not require grad."""
    adapters.import_mytorch()
    x = adapters.tensor(logits, True)
    t = adapters.tensor(np.asarray(target, dtype=np.int64))
    loss = adapters.MyTorchOps.cross_entropy(x, t)
    loss.backward()
    return {"out": adapters.data(loss), "out_flags": adapters.flags(loss),
            "target": adapters.grad_report(t), **adapters.grad_report(x)}


def graph_structure() -> Dict[str, dict]:
    """How Function.apply links nodes, for the three kinds of parent, using Add (given)."""
    adapters.import_mytorch()
    leaf = adapters.tensor(np.ones((2, 3)), requires_grad=True)
    const = adapters.tensor(np.ones((2, 3)))
    mid = leaf + const
    top = mid + leaf
    both_const = const + const

    def kind(node):
        """The node's class by its name: a design may keep AccumulateGrad or BackwardFunction
        in another module than the engine's."""
        if node is None:
            return "None"
        for name in ("AccumulateGrad", "BackwardFunction"):
            if any(cls.__name__ == name for cls in type(node).__mro__):
                return name
        return type(node).__name__

    def describe(t):
        fn = getattr(t, "grad_fn", None)
        nexts = list(getattr(fn, "next_functions", []) or []) if fn is not None else []
        return {**adapters.flags(t), "grad_fn_kind": kind(fn),
                "next": [kind(n) for n in nexts],
                "next_vars_are_leaf": [getattr(n, "variable", None) is leaf for n in nexts]}

    report = {"mid": describe(mid), "top": describe(top), "both_const": describe(both_const),
              "leaf": adapters.flags(leaf), "const": adapters.flags(const)}
    top_fn = getattr(top, "grad_fn", None)
    nexts = list(getattr(top_fn, "next_functions", []) or []) if top_fn else []
    report["top_links_mid_grad_fn"] = bool(nexts) and nexts[0] is getattr(mid, "grad_fn", None)
    return report


def accumulate_across_calls(a: np.ndarray, b: np.ndarray) -> dict:
    """Two separate backward passes into the same leaves add up in .grad."""
    ta, tb = adapters.tensor(a, True), adapters.tensor(b, True)
    first = expressions.lookup("chain")(adapters.MyTorchOps, ta, tb)["out"]
    first.backward()
    after_first = adapters.data(ta.grad)
    second = expressions.lookup("diamond")(adapters.MyTorchOps, ta, tb)["out"]
    second.backward()
    return {"after_first": after_first, "a": adapters.grad_report(ta), "b": adapters.grad_report(tb)}


PROBES = {"expression": expression, "integer_target_cross_entropy": integer_target_cross_entropy, "graph_structure": graph_structure, "accumulate_across_calls": accumulate_across_calls}
