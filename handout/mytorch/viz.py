"""Pictures of the computation graph: ``graph(t)`` walks it, ``draw(t, path)`` draws it.

The graph of a tensor is what ``backward`` walks from its ``grad_fn``: one node per
BackwardFunction (named after its Function: "Add", "Log", ...) and one per leaf that requires
grad, reached through an ``AccumulateGrad`` (named "leaf", with the leaf's shape). A leaf used
twice is one node, however many AccumulateGrad objects point to it; constants and
non-tensor arguments (the None entries of ``next_functions``) are not nodes.

    >>> a = Tensor(np.ones((2, 3)), requires_grad=True)
    >>> nodes, edges = graph((a + a).log())
    >>> nodes
    [Node(name='Log', shape=None), Node(name='Add', shape=None), Node(name='leaf', shape=(2, 3))]
    >>> edges                         # (i, j): nodes[j] is in nodes[i].next_functions
    [(0, 1), (1, 2), (1, 2)]

``draw`` uses the graphviz package when it is installed and matplotlib otherwise.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from mytorch.autograd_engine import AccumulateGrad
from mytorch.tensor import Tensor

LEAF = "leaf"


class Node(NamedTuple):
    """A node of the picture: a Function's name and None, or LEAF and the leaf's shape."""
    name: str
    shape: Optional[Tuple[int, ...]]


Edge = Tuple[int, int]


def graph(t: Tensor) -> Tuple[List[Node], List[Edge]]:
    """The nodes and edges of the graph that ``t.backward()`` would walk.

    Start at ``t.grad_fn`` (a tensor without one is a graph of one leaf node) and follow
    ``next_functions``. Every BackwardFunction becomes ``Node(its function_name, None)``,
    every leaf ``Node(LEAF, leaf.shape)`` (the tensor is ``AccumulateGrad.variable``); each
    node appears once, however many paths reach it. Each non-None entry of a node's
    ``next_functions`` is one edge ``(index of the node, index of that entry's node)``, so
    ``a + a`` has two edges to ``a``. The nodes may come in any order.
    """
    # TODO: Part 5.9 - implement graph.
    raise NotImplementedError("graph (Part 5.9)")


def draw(t: Tensor, path: Union[str, Path, None] = None) -> Any:
    """Draw ``graph(t)``, arrows pointing the way the forward pass went (inputs to outputs).

    With ``path`` the picture is written there as a PNG. Returns the drawing: a
    ``graphviz.Digraph`` when the graphviz package is installed, else a matplotlib Figure.
    """
    nodes, edges = graph(t)
    try:
        import graphviz
    except ImportError:
        return _draw_matplotlib(nodes, edges, path)
    picture = graphviz.Digraph(graph_attr={"rankdir": "BT"}, format="png")
    for i, node in enumerate(nodes):
        picture.node(str(i), label(node), shape="box" if node.shape is not None else "ellipse")
    for consumer, producer in edges:
        picture.edge(str(producer), str(consumer))
    if path is not None:
        Path(path).write_bytes(picture.pipe(format="png"))
    return picture


def label(node: Node) -> str:
    """The text in a node's box: a leaf's shape, a Function's name."""
    if node.shape is not None:
        return f"leaf\nshape {tuple(node.shape)}"
    return node.name


def _levels(count: int, edges: List[Edge]) -> List[int]:
    """Each node's row: the length of the longest path to it from the output (the node no
    edge points to)."""
    level = [0] * count
    for _ in range(count):               # longest paths in a DAG: at most `count` rounds
        changed = False
        for consumer, producer in edges:
            if level[producer] < level[consumer] + 1:
                level[producer] = level[consumer] + 1
                changed = True
        if not changed:
            break
    return level


def _draw_matplotlib(nodes: List[Node], edges: List[Edge], path: Union[str, Path, None]) -> Any:
    """The graph in rows: the output at the top, the leaves towards the bottom."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg")           # write a file; never open a window
    import matplotlib.pyplot as plt

    level = _levels(len(nodes), edges)
    rows: Dict[int, List[int]] = {}
    for i, row in enumerate(level):
        rows.setdefault(row, []).append(i)
    width = max(len(members) for members in rows.values())
    at = {}
    for row, members in rows.items():
        for k, i in enumerate(members):
            at[i] = ((k + 1) * (width + 1) / (len(members) + 1), -row)
    figure, axes = plt.subplots(figsize=(max(4.0, 2.2 * width), max(2.5, 1.3 * len(rows) + 0.6)))
    axes.set_xlim(0.2, width + 0.8)
    axes.set_ylim(-max(level) - 0.6, 0.6)
    axes.axis("off")
    boxes = {}
    for i, node in enumerate(nodes):
        colour = "#dbe9f6" if node.shape is not None else "#f2f2f2"
        boxes[i] = axes.annotate(label(node), at[i], ha="center", va="center", fontsize=10,
                                 bbox={"boxstyle": "round,pad=0.4", "facecolor": colour})
    copies: Dict[Edge, int] = {}
    for consumer, producer in edges:
        # Parallel edges (a + a) fan out; an edge that skips a row bends around the row.
        earlier = copies.get((consumer, producer), 0)
        copies[(consumer, producer)] = earlier + 1
        bend = 0.3 * earlier
        if level[producer] - level[consumer] > 1:
            bend += -0.35 if at[producer][0] < at[consumer][0] else 0.35
        axes.annotate("", xy=at[consumer], xytext=at[producer],
                      arrowprops={"arrowstyle": "-|>", "color": "#555555",
                                  "patchA": boxes[producer].get_bbox_patch(),
                                  "patchB": boxes[consumer].get_bbox_patch(),
                                  "connectionstyle": f"arc3,rad={bend}"})
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
        plt.close(figure)
    return figure
