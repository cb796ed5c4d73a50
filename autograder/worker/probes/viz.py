"""Probes of Part 5.9: the student's mytorch.viz on computations of expressions.py."""
from __future__ import annotations

import importlib
from typing import List

import numpy as np

from autograder.common import expressions
from autograder.worker.probes import adapters


def _viz_expression(name: str, inputs: List[np.ndarray], requires_grad: List[bool]):
    """``expressions.<name>`` on student tensors, and the student's ``mytorch.viz``."""
    tensors = [adapters.tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    out = expressions.lookup(name)(adapters.MyTorchOps, *tensors)["out"]
    return out, importlib.import_module("mytorch.viz")


def viz_graph(name: str, inputs: List[np.ndarray], requires_grad: List[bool]) -> dict:
    """``viz.graph(out)`` for ``expressions.<name>``, as plain lists: nodes as (name, shape or
    None), edges as (i, j). What is not in that form is reported as what it is."""
    out, viz = _viz_expression(name, inputs, requires_grad)
    returned = viz.graph(out)
    try:
        nodes, edges = returned
        nodes = [[str(name), None if shape is None else [int(n) for n in shape]]
                 for name, shape in nodes]
        edges = [[int(i), int(j)] for i, j in edges]
    except (TypeError, ValueError) as error:
        return {"malformed": f"{type(returned).__name__}: {error}"}
    return {"nodes": nodes, "edges": edges}


def viz_draw(name: str, inputs: List[np.ndarray], requires_grad: List[bool]) -> dict:
    """``viz.draw(out, path)`` for ``expressions.<name>``: what was written at ``path``."""
    import tempfile
    from pathlib import Path
    from autograder.worker.mnist_harness import PNG_SIGNATURE
    out, viz = _viz_expression(name, inputs, requires_grad)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.png"
        viz.draw(out, path)
        written = path.read_bytes() if path.is_file() else b""
    return {"size": len(written), "png": written[:8] == PNG_SIGNATURE}


PROBES = {"viz_graph": viz_graph, "viz_draw": viz_draw}
