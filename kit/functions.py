"""The functions a Python source defines, by qualified name ('SGD.step', 'cross_entropy').

One AST walk serves the handout (which function encloses a solution region) and the batch's
"parts" import policy (which functions live in an offending file).
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple


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
    try:
        tree = ast.parse(Path(path).read_bytes().decode("utf-8", "replace"))
    except (SyntaxError, ValueError):
        return []
    return [name for _, _, name in defined_functions(tree)]
