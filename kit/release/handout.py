"""Generate handout/ from solution/ with nbgrader's ClearSolutions preprocessor.

Every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes the one stub of
the kit, naming the function and its part (looked up in the autograder's rubric):

    # TODO: Part 1.1 - implement Sub.forward.
    raise NotImplementedError("Sub.forward (Part 1.1)")

The stub of a function the rubric lists as ``optional`` (a fused Function that a design may
do without) says so: ``raise NotImplementedError("LinearFunction.forward (Part 2.1, optional)")``.
Signatures, docstrings and everything outside the regions are kept as they are.

Every file is processed or refused: a ``.py`` file as above; a notebook (``.ipynb``) cell by
cell the same way (code cells get the named stub, markdown regions nbgrader's text stub),
with its outputs cleared and its nbgrader metadata dropped, so that no solution cell reaches
a student; any other file is copied as it is, unless it holds a solution marker (an error).
"""
from __future__ import annotations

import ast
import filecmp
import shutil
import tempfile
from pathlib import Path
from typing import AbstractSet, Collection, Dict, List

import nbformat
from nbgrader.preprocessors import ClearSolutions

from autograder.grader.functions import defined_functions
from autograder.grader.rubric import Rubric

MARK = "__MYTORCH_STUB__"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
STUB = f'# TODO: {MARK}\nraise NotImplementedError("{MARK}")'
# Plots a local ./grade.sh writes next to the code (Parts 3 and 5.8).
SKIP_NAMES = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", "validation_accuracy.png",
              "xor_boundary.png", "moons_boundary.png"}
COPY_REFUSED_MARKERS = ("BEGIN SOLUTION", "END SOLUTION")      # in a file copied as it is


class HandoutError(Exception):
    """The solution cannot be turned into a handout (bad markers, stub outside the rubric)."""


def _clear(notebook: nbformat.NotebookNode, filename: str) -> nbformat.NotebookNode:
    """nbgrader's ClearSolutions on every cell (MARK placeholders in code cells)."""
    clear = ClearSolutions(code_stub={"python": STUB}, enforce_metadata=False)
    try:
        notebook, _ = clear.preprocess(notebook, {"language": "python"})
    except RuntimeError as error:
        raise HandoutError(f"{filename}: {error}") from None
    return notebook


def strip_solutions(source: str, filename: str) -> str:
    """The source with every solution region replaced by nbgrader's stub (MARK placeholders)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return _clear(notebook, filename).cells[0].source


def keep_solutions(source: str, filename: str, solved: AbstractSet[str]) -> str:
    """The source with the solution markers of the functions in ``solved`` removed.

    Their code is then kept as it is when the other regions become stubs: a tree in which
    only some parts are done (the kit's tests build one per step of the writeup's order).
    """
    functions = list(defined_functions(ast.parse(source, filename)))
    kept = []
    for number, line in enumerate(source.split("\n"), start=1):
        owners = [name for first, last, name in functions if first <= number <= last]
        if not (line.strip() in SOLUTION_MARKERS and owners and owners[-1] in solved):
            kept.append(line)
    return "\n".join(kept)


def handout_notebook(text: str, filename: str, function_parts: Dict[str, str],
                     optional: Collection[str] = ()) -> str:
    """The student's notebook: solution regions cleared and their stubs named, outputs and
    execution counts cleared, nbgrader's cell metadata (solution and grade cells) dropped."""
    notebook = _clear(nbformat.reads(text, as_version=4), filename)
    for index, cell in enumerate(notebook.cells, start=1):
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if MARK in cell.source:
                cell.source = name_stubs(cell.source, f"{filename} cell {index}",
                                         function_parts, optional)
    return nbformat.writes(notebook) + "\n"


def refuse_markers(data: bytes, filename: str) -> None:
    """Raise HandoutError when a file copied as it is holds a solution marker."""
    for marker in COPY_REFUSED_MARKERS:
        if marker.encode() in data:
            raise HandoutError(f"{filename}: holds '{marker}' but is neither a .py file nor a "
                               "notebook, whose solutions the handout generator clears")


def name_stubs(source: str, filename: str, function_parts: Dict[str, str],
               optional: Collection[str] = ()) -> str:
    """Fill each placeholder stub with its function's name and part (", optional" for the
    functions in ``optional``)."""
    tree = ast.parse(source, filename)
    functions = list(defined_functions(tree))
    lines = source.split("\n")
    for number, line in enumerate(lines, start=1):
        if MARK not in line:
            continue
        owners = [name for first, last, name in functions if first <= number <= last]
        if not owners:
            raise HandoutError(f"{filename}:{number}: a solution region outside any function")
        function = owners[-1]
        part = function_parts.get(function)
        if part is None:
            raise HandoutError(f"{filename}:{number}: {function} is not listed under any part's "
                               "'functions' in autograder/rubric.toml")
        label = f"{part}, optional" if function in optional else part
        text = (f"Part {label} - implement {function}." if line.lstrip().startswith("#")
                else f"{function} (Part {label})")
        lines[number - 1] = line.replace(MARK, text)
    return "\n".join(lines)


def source_files(solution: Path) -> List[Path]:
    return sorted(p for p in solution.rglob("*")
                  if p.is_file() and not (SKIP_NAMES & set(p.relative_to(solution).parts)))


def generate(solution: Path, handout: Path,
             solved: AbstractSet[str] = frozenset()) -> List[Path]:
    """Write the handout tree for ``solution`` into ``handout`` (replacing it); list its files.

    The functions named in ``solved`` ('SGD.step', 'backward') keep their solutions.
    """
    rubric = Rubric()
    function_parts, optional = rubric.function_parts(), set(rubric.optional_functions())
    if handout.exists():
        shutil.rmtree(handout)
    written = []
    for path in source_files(solution):
        relative = path.relative_to(solution)
        destination = handout / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            text = path.read_text()
            if solved:
                text = keep_solutions(text, str(relative), solved)
            stripped = strip_solutions(text, str(relative))
            if stripped != text:
                stripped = name_stubs(stripped, str(relative), function_parts, optional)
            destination.write_text(stripped)
        elif path.suffix == ".ipynb":
            destination.write_text(handout_notebook(path.read_text(), str(relative),
                                                    function_parts, optional))
        else:
            refuse_markers(path.read_bytes(), str(relative))
            shutil.copy2(path, destination)
        written.append(relative)
    return written


def differences(solution: Path, handout: Path) -> List[str]:
    """Files in which ``handout`` differs from a fresh generation (empty when in sync)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "handout"
        expected = set(generate(solution, fresh))
        actual = set(source_files(handout)) if handout.exists() else set()
        actual = {p.relative_to(handout) for p in actual}
        problems = [f"missing from handout: {p}" for p in sorted(expected - actual)]
        problems += [f"not generated from solution: {p}" for p in sorted(actual - expected)]
        problems += [f"out of date: {p}" for p in sorted(expected & actual)
                     if not filecmp.cmp(fresh / p, handout / p, shallow=False)]
        return problems
