"""Draw the writeup's figures (docs/student-README.md) into docs/figures/*.png.

    python3 docs/figures/make_figures.py

graph_backward.png: the worked example of the writeup, L = (a*b + a) * (a*b) with a = 2,
b = 3, forward and then stepped backward node by node. The numbers drawn are computed here
with the reference MyTorch (solution/), so the figure cannot disagree with the code.
graph_viz.png: the same example's graph as ``mytorch.viz.draw`` draws it (Part 5.9); the hand
layout of graph_backward.png is checked against ``mytorch.viz.graph`` (its arrows, EDGES).
im2col.png: Conv2d as one matrix product, on a 4 x 4 image and a 3 x 3 kernel of ones; the
outputs drawn are checked against the reference's Conv2dFunction.
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "solution"))

from mytorch import viz  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402
from mytorch.tensor import Tensor  # noqa: E402

LEAF, OP, BUSY, DONE = "#dbe9f6", "#f2f2f2", "#ffe08a", "#e3f1dc"
GRAD = "#c0392b"
# Node centres (x, y) in data coordinates, and the half width and height of every box.
AT = {"a": (1.7, 3.7), "b": (1.7, -0.5), "c": (5.6, 1.5), "d": (9.5, 3.7), "L": (13.4, 1.5)}
HALF_W, HALF_H = 1.6, 0.62
EDGES = [("a", "c"), ("b", "c"), ("a", "d"), ("c", "d"), ("c", "L"), ("d", "L")]


def exit_point(centre: tuple, towards: tuple) -> tuple:
    """Where the segment from a box's centre towards ``towards`` leaves the box."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    scale = min(HALF_W / abs(dx) if dx else float("inf"), HALF_H / abs(dy) if dy else float("inf"))
    return centre[0] + dx * scale, centre[1] + dy * scale


def example_graph() -> dict:
    """The example's tensors, built by the reference MyTorch."""
    a, b = Tensor(2.0, requires_grad=True), Tensor(3.0, requires_grad=True)
    c = a * b
    d = c + a
    return {"a": a, "b": b, "c": c, "d": d, "L": d * c}


def example() -> dict:
    """The example's values and gradients, computed by the reference MyTorch."""
    t = example_graph()
    a, b, c, d, loss = t["a"], t["b"], t["c"], t["d"], t["L"]
    loss.backward()
    return {"a": 2.0, "b": 3.0, "c": float(c.data), "d": float(d.data), "L": float(loss.data),
            "a.grad": float(a.grad.data), "b.grad": float(b.grad.data)}


def box(ax, name: str, text: str, colour: str, bold: bool = False) -> None:
    x, y = AT[name]
    ax.add_patch(FancyBboxPatch((x - HALF_W, y - HALF_H), 2 * HALF_W, 2 * HALF_H,
                                boxstyle="round,pad=0.04", facecolor=colour, edgecolor="black",
                                linewidth=2.2 if bold else 1))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


def arrow(ax, start: str, end: str, colour: str = "#a0a0a0", label: str = "",
          bend: float = 0.0) -> None:
    """An arrow from box ``start`` to box ``end``; ``label`` at the middle of the curve."""
    (x0, y0), (x1, y1) = exit_point(AT[start], AT[end]), exit_point(AT[end], AT[start])
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=2.2 if label else 1.1,
                                shrinkA=2, shrinkB=2, connectionstyle=f"arc3,rad={bend}"))
    if label:       # the middle of matplotlib's arc3 curve: the chord's middle + bend/2 * normal
        mx = (x0 + x1) / 2 + bend / 2 * (y1 - y0)
        my = (y0 + y1) / 2 - bend / 2 * (x1 - x0)
        ax.text(mx, my, label, color=colour, ha="center", va="center", fontsize=11,
                fontweight="bold", bbox=dict(facecolor="white", edgecolor=colour, pad=1.5))


def panel(ax, title: str, nodes: dict, grads: list) -> None:
    """``nodes``: name -> (text, colour, bold); ``grads``: (from, to, label), in red."""
    ax.set_xlim(0, 15.1)
    ax.set_ylim(-1.2, 4.75)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=11.5, loc="left")
    for start, end in EDGES:
        arrow(ax, start, end)
    for name, (text, colour, bold) in nodes.items():
        box(ax, name, text, colour, bold)
    for start, end, label in grads:
        arrow(ax, start, end, colour=GRAD, label=label, bend=0.3)


def check_edges_with_viz() -> None:
    """EDGES, the hand layout's arrows, are those mytorch.viz.graph finds: the same (input,
    user) pairs of node names, a non-leaf tensor standing for its grad_fn's node."""
    t = example_graph()
    nodes, edges = viz.graph(t["L"])
    found = sorted((nodes[j].name, nodes[i].name) for i, j in edges)
    kind = {name: "leaf" if tensor.grad_fn is None else tensor.grad_fn.function_name
            for name, tensor in t.items()}
    drawn = sorted((kind[start], kind[end]) for start, end in EDGES)
    assert (len(nodes), found) == (len(AT), drawn), (nodes, edges)


def graph_viz(path: Path) -> None:
    check_edges_with_viz()
    figure = viz.draw(example_graph()["L"], path)
    assert figure is not None


def graph_backward(path: Path) -> None:
    v = example()
    a, b, c, d, loss = v["a"], v["b"], v["c"], v["d"], v["L"]
    dc_from_l, dd = d, c                       # L = d * c
    dc = dc_from_l + dd                        # c is reached along two paths
    da_from_d, da_from_c, db = dd, dc * b, dc * a
    assert (da_from_d + da_from_c, db) == (v["a.grad"], v["b.grad"]), v
    g = lambda x: f"{x:g}"                     # noqa: E731

    def leaf(name: str, grad: str = "None", colour: str = LEAF, bold: bool = False):
        return (f"{name} = {g(v[name])}, a leaf\n{name}.grad = {grad}", colour, bold)

    forward = {"a": leaf("a"), "b": leaf("b"), "c": (f"c = a * b = {g(c)}\nMul", OP, False),
               "d": (f"d = c + a = {g(d)}\nAdd", OP, False),
               "L": (f"L = d * c = {g(loss)}\nMul", OP, False)}
    fig, axes = plt.subplots(4, 1, figsize=(10, 15.5))
    panel(axes[0], "0. Forward: each operation records its inputs (grey arrows)", forward, [])

    step1 = {**forward, "L": ("L's node: MulBackward\nreceives dL/dL = 1", BUSY, True),
             "d": (f"d = {g(d)}: pending {g(dd)}\nAdd", OP, False),
             "c": (f"c = {g(c)}: pending {g(dc_from_l)}\nMul; waits for d,\nits other user", OP, False)}
    panel(axes[1], f"1. L: dL/dd = 1 * c = {g(dd)},  dL/dc = 1 * d = {g(dc_from_l)}", step1,
          [("L", "d", g(dd)), ("L", "c", g(dc_from_l))])

    step2 = {**step1, "L": ("L's node: done", DONE, False),
             "d": (f"d's node: AddBackward\nreceives {g(dd)}", BUSY, True),
             "c": (f"c: pending\n{g(dc_from_l)} + {g(dd)} = {g(dc)}\nMul", OP, False),
             "a": leaf("a", g(da_from_d))}
    panel(axes[2], f"2. d: Add passes {g(dd)} to both inputs; a.grad = {g(da_from_d)}, "
          f"c's pending sum = {g(dc)}", step2, [("d", "c", g(dd)), ("d", "a", g(da_from_d))])

    step3 = {**step2, "d": ("d's node: done", DONE, False),
             "c": (f"c's node: MulBackward\nreceives {g(dc)}", BUSY, True),
             "a": leaf("a", f"{g(da_from_d)} + {g(da_from_c)} = {g(da_from_d + da_from_c)}",
                       DONE, True),
             "b": leaf("b", g(db), DONE, True)}
    panel(axes[3], f"3. c: dL/da += {g(dc)} * b = {g(da_from_c)},  dL/db = {g(dc)} * a = "
          f"{g(db)}", step3, [("c", "a", g(da_from_c)), ("c", "b", g(db))])
    fig.suptitle("L = (a*b + a) * (a*b) at a = 2, b = 3, stepped backward.\nRed: the gradient "
                 "each node sends to its inputs", fontsize=12.5)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)


WINDOW_COLOURS = ["#f4a259", "#5b8e7d", "#8cb8e0", "#bc4b51"]


def cell(ax, x: float, y: float, text: str, colour: str = "white", size: float = 1.0) -> None:
    ax.add_patch(Rectangle((x, y), size, size, facecolor=colour, edgecolor="#555555", lw=0.8))
    ax.text(x + size / 2, y + size / 2, text, ha="center", va="center", fontsize=10)


def im2col(path: Path) -> None:
    image = np.arange(1.0, 17.0).reshape(4, 4)
    windows = [(i, j) for i in range(2) for j in range(2)]           # output pixel -> window
    cols = np.stack([image[i:i + 3, j:j + 3].reshape(-1) for i, j in windows], axis=1)
    out = (np.ones((1, 9)) @ cols).reshape(2, 2)
    reference = F.Conv2dFunction.apply(Tensor(image[None, None]), Tensor(np.ones((1, 1, 3, 3))),
                                       Tensor(np.zeros(1)))
    assert np.array_equal(reference.data[0, 0], out), (reference.data, out)

    fig, ax = plt.subplots(figsize=(11, 5.6))
    ax.set_xlim(-0.3, 18.6)
    ax.set_ylim(-2.1, 9.4)
    ax.set_aspect("equal")
    ax.axis("off")
    # The image, top row first, with the four 3 x 3 windows outlined (inset to tell them apart).
    for r in range(4):
        for c in range(4):
            cell(ax, c, 6 - r, f"{image[r, c]:g}")
    for k, (i, j) in enumerate(windows):
        inset = 0.06 + 0.07 * k
        ax.add_patch(Rectangle((j + inset, 7 - i - 3 + inset), 3 - 2 * inset, 3 - 2 * inset,
                               fill=False, edgecolor=WINDOW_COLOURS[k], lw=2.5))
    ax.text(2, 7.6, "x: 4 x 4 image; the 3 x 3 window\nof each output pixel outlined",
            ha="center", fontsize=10.5)
    # cols: window k flattened into column k.
    left = 6.5
    for k in range(4):
        for r in range(9):
            cell(ax, left + k, 7 - r, f"{cols[r, k]:g}", WINDOW_COLOURS[k] + "55")
    ax.text(left + 2, 8.4, "cols (9 x 4): window k\nflattened into column k", ha="center",
            fontsize=10.5)
    ax.annotate("", xy=(left - 0.2, 4), xytext=(4.2, 4),
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.5))
    ax.text(5.35, 4.3, "im2col", ha="center", fontsize=10.5)
    # out = W (1 x 9) @ cols, then reshaped.
    ax.annotate("", xy=(14.4, 4), xytext=(left + 4.2, 4),
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.5))
    ax.text(12.65, 4.3, "W as one row (1 x 9)\n@ cols = 4 outputs", ha="center", fontsize=10)
    for k, (i, j) in enumerate(windows):
        cell(ax, 14.7 + j * 1.4, 4.3 - i * 1.4, f"{out[i, j]:g}", WINDOW_COLOURS[k] + "55", 1.4)
    ax.text(16.1, 6.2, "out (2 x 2), every\nweight 1: window sums", ha="center", fontsize=10.5)
    ax.text(9.1, -1.8, "Backward: grad_cols = W_rowᵀ @ g (9 x 4); col2im adds column k back onto "
            "window k, so the pixels where windows overlap collect several terms.",
            ha="center", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    for name, draw in (("graph_backward.png", graph_backward), ("graph_viz.png", graph_viz),
                       ("im2col.png", im2col)):
        draw(HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
