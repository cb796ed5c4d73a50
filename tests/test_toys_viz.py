"""Parts 5.8 (toy tasks) and 5.9 (mytorch.viz): the reference and the handout graded (slow
tier: two grading runs), the checks that keep a returned model honest, and draw's graphviz
path (graphviz is not a dependency, so a stand-in module plays it)."""
import sys
import types

import numpy as np
import pytest

from autograder.grader.compare import GradingFailure
from autograder.grader.rubric import Rubric
from conftest import grade
from kit.paths import SOLUTION

RUBRIC = Rubric()
PARTS = [RUBRIC.by_number["5.8"], RUBRIC.by_number["5.9"]]


@pytest.mark.slow
def test_reference_gets_full_marks_and_the_handout_zero_without_a_traceback():
    graded = grade("--target", "solution", "5.8", "5.9")
    assert graded.scores == {p.name: p.points for p in PARTS}, graded.stdout
    untouched = grade("5.8", "5.9")
    assert untouched.scores == {p.name: 0.0 for p in PARTS}, untouched.stdout
    assert "Traceback" not in untouched.stdout + untouched.stderr


def _linear(weight_shape, bias_shape, dtype="float64") -> dict:
    def array(shape):
        return {"values": np.zeros(shape), "dtype": dtype, "shape": list(shape)}
    return {"kind": "Linear", "weight": array(weight_shape), "bias": array(bias_shape)}


@pytest.mark.parametrize("layers,said", [
    ([_linear((16, 2), (16,)), {"kind": "ReLU"}, _linear((2, 16), (2000, 2))], "(2000, 2)"),
    ([_linear((16, 2), (16,)), {"kind": "ReLU"}, _linear((2, 16), (2,), "int64")], "int64"),
    ([_linear((16, 3), (16,)), {"kind": "ReLU"}, _linear((2, 16), (2,))], "(16, 3)"),
    ([_linear((16, 2), (16,)), {"kind": "ReLU"}, _linear((3, 16), (3,))], "number of outputs"),
    ([_linear((2, 2), (2,)), {"kind": "Softmax"}], "only Linear")],
    ids=["broadcasting-bias", "integer-dtype", "wrong-inputs", "three-logits", "other-layer"])
def test_toys_refuse_a_model_that_could_broadcast_or_is_not_a_classifier(layers, said):
    toys = pytest.importorskip("autograder.test_5_8_toys")
    with pytest.raises(GradingFailure, match=said.replace("(", r"\(").replace(")", r"\)")):
        toys.rebuild({"layers": layers, "returned_type": "Sequential"}, "xor")


@pytest.fixture
def reference_mytorch(monkeypatch):
    """The reference's mytorch imported here, and forgotten afterwards."""
    monkeypatch.syspath_prepend(str(SOLUTION))
    yield
    for name in [n for n in sys.modules if n == "mytorch" or n.startswith("mytorch.")]:
        del sys.modules[name]


def test_draw_uses_graphviz_when_it_is_installed(monkeypatch, tmp_path, reference_mytorch):
    calls = []

    class Digraph:
        def __init__(self, **options):
            calls.append(("graph", options))

        def node(self, name, label, **options):
            calls.append(("node", name, label))

        def edge(self, tail, head):
            calls.append(("edge", tail, head))

        def pipe(self, format):
            return b"\x89PNG\r\n\x1a\n drawn by graphviz"

    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=Digraph))
    from mytorch import viz
    from mytorch.tensor import Tensor
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    path = tmp_path / "graph.png"
    picture = viz.draw((a + a).log(), path)
    assert isinstance(picture, Digraph)
    assert path.read_bytes().startswith(b"\x89PNG")
    nodes = {name: label for kind, name, label, *_ in [c for c in calls if c[0] == "node"]}
    assert sorted(nodes.values()) == ["Add", "Log", "leaf\nshape (2, 3)"]
    edges = [c[1:] for c in calls if c[0] == "edge"]
    by_label = {label: name for name, label in nodes.items()}
    assert sorted(edges) == sorted([(by_label["leaf\nshape (2, 3)"], by_label["Add"])] * 2
                                   + [(by_label["Add"], by_label["Log"])])
