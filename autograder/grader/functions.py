"""The functions a Python source defines, by qualified name ('SGD.step', 'cross_entropy').

One AST walk serves the handout generator (which function encloses a solution region) and
the "parts" import policy (import_policy.py: which functions live in an offending file).
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

from autograder.grader.import_scan import parse


def defined_functions(tree: ast.AST) -> Iterator[Tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, outermost first."""
    def walk(node: ast.AST, prefix: str) -> Iterator[Tuple[int, int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    yield child.lineno, child.end_lineno, name
                yield from walk(child, name + ".")
    yield from walk(tree, "")


def functions_in_file(path: Path) -> List[str]:
    """Qualified names of the functions a file defines (none when it does not parse)."""
    tree = parse(Path(path).read_bytes(), str(path))
    if tree is None:
        return []
    return [name for _, _, name in defined_functions(tree)]
