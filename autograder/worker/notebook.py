"""Part 3's module, ``hw1.mnist``: from ``hw1/mnist.py``, or from the notebook ``hw1/mnist.ipynb``.

Courses that teach in Jupyter hand out the notebook instead of ``mnist.py`` (``python3 -m kit
bundle --notebook``). When the target has no ``hw1/mnist.py``, the code cells of
``hw1/mnist.ipynb`` tagged ``export`` (imports, constants, ``train``, ``validate``,
``mnist``, the plot) are run in order as the module ``hw1.mnist``; the other cells (set-up,
the training run with its live plot) are not. The same harness then grades it. Read with the
standard library only (the student's environment need not have nbformat).
"""
from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path
from typing import List

MODULE = "hw1.mnist"
SCRIPT = Path("hw1") / "mnist.py"             # relative to the target (the cwd)
NOTEBOOK = Path("hw1") / "mnist.ipynb"
EXPORT_TAG = "export"


class NotebookError(Exception):
    """The notebook cannot be read, or has no cell tagged ``export``."""


def load_mnist_module() -> types.ModuleType:
    """``hw1.mnist``: the script when there is one, else the notebook's exported cells."""
    if SCRIPT.is_file() or not NOTEBOOK.is_file():
        return importlib.import_module(MODULE)
    importlib.import_module("hw1")
    path = NOTEBOOK.resolve()
    module = types.ModuleType(MODULE)
    module.__file__ = str(path)
    sys.modules[MODULE] = module
    try:
        for index, source in exported_cells(path):
            # The cell's number in the file name: an error points at "hw1/mnist.ipynb#cell4:3".
            exec(compile(source, f"{path}#cell{index}", "exec"), module.__dict__)
    except BaseException:
        del sys.modules[MODULE]
        raise
    return module


def exported_cells(path: Path) -> List[tuple]:
    """[(cell number from 1, source)] of the code cells tagged ``export``, in order."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise NotebookError(f"{NOTEBOOK} could not be read as a notebook: {error}") from None
    exported = []
    for index, cell in enumerate(cells, start=1):
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell.get("cell_type") == "code" and EXPORT_TAG in tags:
            source = cell.get("source", "")
            exported.append((index, "".join(source) if isinstance(source, list) else source))
    if not exported:
        raise NotebookError(f"{NOTEBOOK} has no code cell tagged '{EXPORT_TAG}': tag the cells "
                            "that define train, validate and mnist (View > Cell Toolbar > Tags).")
    return exported
