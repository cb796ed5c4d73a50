"""Part 5.9 (extension track): ``mytorch.viz``, the picture of a computation graph.

graph: ``viz.graph(out)`` for computations made of the operations given in the handout (Add,
Log, Reshape, Transpose: the graphs of Part 1.2, with a leaf used twice, a node reached along
many paths, a constant input, a leaf on its own) against the graph PyTorch records for the
same computation, read from ``grad_fn.next_functions``: one node per backward node, named
after its operation (PyTorch's ``AddBackward0`` is MyTorch's ``Add``), one per leaf with its
shape, one edge per non-None entry of ``next_functions``. The two must be the same graph up to
the numbering of the nodes (networkx's isomorphism test, edge multiplicities included).
draw: ``viz.draw(out, path)`` writes a PNG there.
"""
import inspect
import re
from collections import Counter
from typing import Any, List, Tuple

import numpy as np
import pytest

from autograder.common import expressions
from autograder.grader import reference
from autograder.grader.compare import check_equal, fail
from autograder.grader.hints import HINTS

pytestmark = pytest.mark.viz

SHAPE = (2, 3)
LEAF = "leaf"
# PyTorch's names for the backward of the handout's operations, where they differ from
# MyTorch's Function names (once "Backward0" is dropped and the case ignored).
TORCH_ALIASES = {"view": "reshape", "unsafeview": "reshape", "reshapealias": "reshape",
                 "permute": "transpose", "t": "transpose"}
# (expression, which inputs require grad)
CASES = [("chain", [True, True]), ("chain", [True, False]), ("diamond", [True, True]),
         ("reuse", [True, True]), ("ladder", [True, True]), ("leaf", [True])]

Label = Tuple[str, object]           # (kind, shape): ("add", None), ("leaf", (2, 3))


def computation(name: str) -> str:
    """The lines of ``expressions.<name>``, for the feedback: "c = a + b; d = c.log(); ..."."""
    lines = [line.split("#")[0].strip()
             for line in inspect.getsource(expressions.lookup(name)).splitlines()]
    return "; ".join(line for line in lines if line and not line.startswith(("@", "def ", '"')))


def kind(name: str) -> str:
    """A node's operation, spelling aside: "AddBackward0", "Add", "AddFunction" -> "add"."""
    bare = re.sub(r"(Backward\d*|Function)$", "", name).lower()
    return TORCH_ALIASES.get(bare, bare)


def torch_graph(name: str, inputs: List[np.ndarray], requires_grad: List[bool]):
    """The graph PyTorch records for ``expressions.<name>``: (labels, edges)."""
    tensors = [reference.tensor(x, rg) for x, rg in zip(inputs, requires_grad)]
    out = expressions.lookup(name)(reference.TorchOps, *tensors)["out"]
    if out.grad_fn is None:
        return [(LEAF, tuple(out.shape))], []
    labels, edges, index = [], [], {}

    def visit(fn) -> int:
        if fn not in index:
            index[fn] = len(labels)
            variable = getattr(fn, "variable", None)
            labels.append((LEAF, tuple(variable.shape)) if variable is not None
                          else (kind(type(fn).__name__), None))
            for parent, _ in fn.next_functions:
                if parent is not None:
                    edges.append((index[fn], visit(parent)))
        return index[fn]

    visit(out.grad_fn)
    return labels, edges


def student_graph(got: dict, what: str, context: str):
    """The student's (labels, edges), after checking that they are in the documented form."""
    if "malformed" in got:
        fail(f"{what} must return (nodes, edges)", got["malformed"], context, HINTS["viz_form"])
    labels = [(LEAF, tuple(shape)) if shape is not None else (kind(name), None)
              for name, shape in got["nodes"]]
    for i, j in got["edges"]:
        if not (0 <= i < len(labels) and 0 <= j < len(labels)):
            fail(f"{what}: edge ({i}, {j})", f"names a node that is not in the {len(labels)} "
                 "nodes returned", context, HINTS["viz_form"])
    return labels, [tuple(edge) for edge in got["edges"]]


def as_networkx(labels: List[Label], edges) -> Any:
    """A networkx MultiDiGraph (imported here: only grading 5.9 needs it, not every run)."""
    import networkx
    picture = networkx.MultiDiGraph()
    picture.add_nodes_from((i, {"label": label}) for i, label in enumerate(labels))
    picture.add_edges_from(edges)
    return picture


def describe(counts: Counter) -> str:
    return ", ".join(f"{n} x {k if s is None else f'{k} {s}'}" for (k, s), n in sorted(
        counts.items(), key=str)) or "nothing"


@pytest.mark.check("graph")
@pytest.mark.parametrize("name,requires_grad", CASES, ids=str)
def test_graph_matches_pytorch(student, rng, name, requires_grad):
    inputs = [rng.uniform(0.5, 2.0, size=SHAPE) for _ in requires_grad]    # logs stay defined
    what = f"viz.graph(out) for the computation '{name}'"
    context = (", ".join(f"{x} shape {SHAPE} requires_grad={rg}" for x, rg in
                         zip("ab", requires_grad)) + "; " + computation(name))
    got = student.run("viz_graph", name=name, inputs=inputs, requires_grad=requires_grad)
    labels, edges = student_graph(got, what, context)
    want_labels, want_edges = torch_graph(name, inputs, requires_grad)

    have, want = Counter(labels), Counter(want_labels)
    if have != want:
        hint = HINTS["viz_once"] if len(labels) > len(want_labels) else HINTS["viz_walk"]
        fail(f"{what}: the nodes", f"expected {describe(want)} (PyTorch's graph), got "
             f"{describe(have)}", context, hint)
    check_equal(len(edges), len(want_edges), what=f"{what}: the number of edges",
                context=context, hint=HINTS["viz_edges"])
    from networkx import is_isomorphic
    if not is_isomorphic(as_networkx(labels, edges), as_networkx(want_labels, want_edges),
                         node_match=lambda a, b: a["label"] == b["label"]):
        fail(f"{what}: the edges", "link other nodes than PyTorch's next_functions do",
             context, HINTS["viz_edges"])


@pytest.mark.check("draw")
def test_draw_writes_a_png(student, rng):
    inputs = [rng.uniform(0.5, 2.0, size=SHAPE) for _ in range(2)]
    got = student.run("viz_draw", name="diamond", inputs=inputs, requires_grad=[True, True])
    what = "viz.draw(out, path) for the computation 'diamond'"
    check_equal(got["size"] > 0 and got["png"], True, what=f"{what} writes a PNG at path",
                context=f"{got['size']} bytes written", hint=HINTS["viz_draw"])
