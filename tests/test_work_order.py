"""The writeup's "work in this order" list: each part can reach full marks when it is reached.

For every step of the list, a tree is generated from the solution in which only that step and
the steps before it are done (their functions keep the solution; every other function is the
handout's stub), and the step's part is graded on it. Two flavours of "done": the reference
as it is (layers built on fused Functions) and the reference with its layers composed of graph
operations (tests/mutants/variants.toml), since a BatchNorm or a cross-entropy built from
Sub, Mul, Div, Sum and Exp depends on more parts than a fused one.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grader.rubric import Rubric
from kit.paths import SOLUTION, STUDENT_README
from kit.quality import catalogue
from kit.release import handout
from conftest import grade

RUBRIC = Rubric()
GRAPH_VARIANTS = ("linear-through-matmul", "bn-through-the-graph", "bn-eval-through-the-graph",
                  "ce-through-the-graph")
ORDER = catalogue.work_order(STUDENT_README.read_text())


def test_the_order_lists_every_part_once():
    assert sorted(ORDER) == sorted(p.number for p in RUBRIC.parts), ORDER


def test_the_order_is_read_from_the_list():
    text = "## Work in this order\n\n1. Part 2.2 — ReLU.\n2. Part 3 — MNIST.\n\n## Next\n1. Part 4.1"
    assert catalogue.work_order(text) == ["2.2", "3"]


def _solution(flavour: str, tmp_path: Path) -> Path:
    if flavour == "fused":
        return SOLUTION
    source = catalogue.copy_solution(tmp_path / "graph-solution")
    variants = {entry.id: entry for entry in catalogue.load("variant")}
    for variant_id in GRAPH_VARIANTS:
        catalogue.apply(variants[variant_id], source)
    return source


@pytest.mark.slow
@pytest.mark.parametrize("flavour", ["fused", "graph"])
@pytest.mark.parametrize("step", range(len(ORDER)), ids=ORDER)
def test_each_part_reaches_full_marks_when_reached(step, flavour, tmp_path):
    done = ORDER[:step + 1]
    solved = {f for number in done for f in RUBRIC.by_number[number].functions}
    tree = tmp_path / "tree"
    handout.generate(_solution(flavour, tmp_path), tree, solved=solved)
    part = RUBRIC.by_number[ORDER[step]]
    graded = grade("--target", str(tree), part.number)
    assert graded.returncode == 0, graded.stderr
    assert graded.scores == {part.name: part.points}, (
        f"Part {part.number} graded after {done[:-1]} only:\n{graded.stdout}")
