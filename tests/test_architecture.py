"""The process boundary in the folder tree holds: see docs/architecture.md."""
import ast
from pathlib import Path
from typing import Iterator, Set

import pytest

from autograder.common.paths import AUTOGRADER_DIR

OWN_MODULES = {p.stem for p in AUTOGRADER_DIR.rglob("*.py")} - {"__init__", "__main__"}


def imported_modules(path: Path) -> Set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (use autograder.<package>...)"
            found.add(node.module or "")
    return found


def student_side_files() -> Iterator[Path]:
    for package in ("worker", "common"):
        yield from sorted((AUTOGRADER_DIR / package).rglob("*.py"))


@pytest.mark.parametrize("path", list(student_side_files()), ids=lambda p: p.name)
def test_student_side_never_imports_the_grader(path):
    """The student process loads worker/ and common/: no PyTorch, pytest or grader code."""
    bad = {m for m in imported_modules(path)
           if m.split(".")[0] in ("torch", "pytest") or m.startswith("autograder.grader")}
    assert not bad, f"{path.relative_to(AUTOGRADER_DIR)} imports {sorted(bad)}"


def test_every_module_is_imported_under_one_name():
    """Inside autograder/, a sibling is always imported by its full name (autograder.x.y)."""
    for path in AUTOGRADER_DIR.rglob("*.py"):
        bare = {m for m in imported_modules(path) if m.split(".")[0] in OWN_MODULES}
        assert not bare, f"{path.relative_to(AUTOGRADER_DIR)} imports {sorted(bare)} by a bare name"
