"""Static inspection of a submission: does its code import PyTorch or another autodiff library?

The worker already makes those libraries unimportable at run time; this scan finds the attempt
itself, so that it can be reported and scored (``import_policy.py``, the rubric's ``[policy]``),
also when the import is never executed. It reads every ``.py`` file under ``mytorch/`` and
``hw1/`` as Python does (the bytes are parsed, so a PEP 263 coding cookie such as
``# coding: utf-7`` is honoured) and flags:

- ``import torch``, ``import torch.nn as nn``, ``from jax import grad``;
- ``__import__("torch")``, ``importlib.import_module("torch")``, ``import_module("jax.numpy")``;
- a string naming a forbidden module passed to ``exec``/``eval`` (``exec("import torch")``)
  and ``sys.modules["torch"]``.

Code under a module-level ``if __name__ == "__main__":`` is not scanned: it never runs when
the grader imports the module (a self-test that checks answers against PyTorch, as the
writeup suggests), unless the module assigns ``__name__`` itself, and then it is scanned. Any
import that does run is still refused by the runtime guard.

A determined student can still hide a name (``"to" + "rch"``); the runtime guard covers that.
``python3 -m autograder.grader.import_scan DIR`` prints the findings in DIR (create_tarball.sh
warns with them before a hand-in is packed).
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Union

IMPORT_CALLS = {"__import__", "import_module"}
EXEC_CALLS = {"exec", "eval", "compile"}


@dataclass(frozen=True)
class Finding:
    file: str            # relative to the submission root
    line: int
    module: str
    how: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.how} {self.module}"


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _first_string(node: ast.Call) -> Optional[str]:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def parse(source: Union[str, bytes], relative: str) -> Optional[ast.AST]:
    """A file's syntax tree as Python reads it (bytes: decoded per their coding cookie), or
    None when it does not parse (then its import fails at run time as well)."""
    try:
        return ast.parse(source, relative)
    except (SyntaxError, ValueError, UnicodeError, LookupError, RecursionError):
        return None


def findings_in_source(source: Union[str, bytes], relative: str,
                       forbidden: Sequence[str]) -> List[Finding]:
    """Forbidden imports in one file's source (none when the file does not parse)."""
    tree = parse(source, relative)
    if tree is None:
        return []
    banned = set(forbidden)
    statement = re.compile(r"\b(?:import|from)\s+(" + "|".join(map(re.escape, banned)) + r")\b")

    def top(name: str) -> str:
        return name.split(".")[0]

    found: List[Finding] = []
    for node in _nodes_that_may_run(tree):
        if isinstance(node, ast.Import):
            found += [Finding(relative, node.lineno, a.name, "imports")
                      for a in node.names if top(a.name) in banned]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if top(node.module) in banned:
                found.append(Finding(relative, node.lineno, node.module, "imports"))
        elif isinstance(node, ast.Call):
            name, text = _call_name(node), _first_string(node)
            if text is None:
                continue
            if name in IMPORT_CALLS and top(text) in banned:
                found.append(Finding(relative, node.lineno, text, f"imports (via {name})"))
            elif name in EXEC_CALLS and statement.search(text):
                module = statement.search(text).group(1)
                found.append(Finding(relative, node.lineno, module, f"imports (via {name})"))
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            value = node.slice.value
            if (isinstance(value, str) and top(value) in banned
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "modules"):
                found.append(Finding(relative, node.lineno, value, "reaches sys.modules for"))
    return sorted(set(found), key=lambda f: (f.file, f.line, f.module))


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either order of the comparison)."""
    test = getattr(node, "test", None)
    if not (isinstance(node, ast.If) and isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, *test.comparators]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _assigns_name(tree: ast.AST) -> bool:
    """Whether the module binds ``__name__`` anywhere (then a main guard may run on import)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__name__" and \
                isinstance(node.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and "__name__" in node.names:
            return True
    return False


def _nodes_that_may_run(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the module but the bodies of its top-level main guards."""
    guards = set() if _assigns_name(tree) else {
        id(node) for node in getattr(tree, "body", []) if _is_main_guard(node)}
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if id(node) in guards:
            pending += [node.test, *node.orelse]
        else:
            pending.extend(ast.iter_child_nodes(node))


def python_files(root: Path, directories: Sequence[str] = ("mytorch", "hw1")) -> Iterator[Path]:
    for directory in directories:
        base = root / directory
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*.py") if p.is_file() and not p.is_symlink())


def forbidden_imports(root: Path, forbidden: Sequence[str]) -> List[Finding]:
    """Every forbidden import in the submission extracted at ``root``."""
    found: List[Finding] = []
    for path in python_files(root):
        try:
            source = path.read_bytes()
        except OSError:                    # unreadable: Python cannot import it either
            continue
        found += findings_in_source(source, path.relative_to(root).as_posix(), forbidden)
    return found



def main(argv: Sequence[str]) -> int:
    """Print the forbidden imports under each directory of ``argv``, one per line."""
    from autograder.common.policy import FORBIDDEN_MODULES
    for root in argv:
        for finding in forbidden_imports(Path(root), FORBIDDEN_MODULES):
            print(finding)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
