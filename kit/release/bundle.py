"""Build the student bundle: ``dist/mytorch-handout.tar.gz``.

One archive with everything a student needs and nothing of the solution, unpacked as one
directory ``mytorch-handout/``:

    mytorch/ hw1/ sandbox.py    the generated handout (stubs), at the root; Part 3 as
                                hw1/mnist.py, or with ``notebook=True`` (``--notebook``) as
                                the notebook hw1/mnist.ipynb (autograder/worker/notebook.py)
    autograder/                 the public grader: autograder/hidden/ and hidden-test regions removed
    data/                       the data set, when the repository has one
    grade.sh create_tarball.sh  grade locally; pack handin.tar
    README.md                   the writeup (docs/student-README.md)
    figures/                    its images (docs/figures/*.png), at the paths it links to
    requirements.txt            the pinned packages to pip install

Since mytorch/ sits beside autograder/, ``./grade.sh`` in the unpacked bundle grades the
student's own copy (see autograder/grader/cli.py, default_target).

The guard: no file of any type ships a solution or hidden-test marker, and no notebook ships
a cell that nbgrader marks as a solution (or grade) cell; the build refuses such a bundle.
"""
from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Dict, List

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from kit.graderfiles import autograder_files, is_cache, tree_files
from kit.paths import (AUTOGRADER_DIR, DATA_DIR, DIST, FIGURES, HANDOUT, ROOT, SOLUTION,
                       STUDENT_README)
from kit.release import handout

ASSIGNMENT = "mytorch"
BUNDLE_NAME = f"{ASSIGNMENT}-handout"
# Files copied from the repository root as they are.
ROOT_FILES = ("grade.sh", "create_tarball.sh", "requirements.txt")
EXECUTABLE = {"grade.sh", "create_tarball.sh"}
# Markers that must never reach a student (the build refuses a bundle containing one).
FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Part 3's two flavours: the bundle ships one of them (the grader takes the script when both
# are there).
MNIST_SCRIPT, MNIST_NOTEBOOK = "hw1/mnist.py", "hw1/mnist.ipynb"


class BundleError(Exception):
    """The bundle cannot be built (handout out of sync, a marker left in a file, ...)."""


def contents(root: Path = ROOT, notebook: bool = False) -> Dict[str, Path]:
    """Every file of the bundle: path inside the bundle -> file in the repository.
    ``notebook``: Part 3 as hw1/mnist.ipynb instead of hw1/mnist.py."""
    handout_dir = root / HANDOUT.relative_to(ROOT)     # mytorch/, hw1/, sandbox.py, as generated
    left_out = MNIST_SCRIPT if notebook else MNIST_NOTEBOOK
    files = {p.relative_to(handout_dir).as_posix(): p for p in handout.source_files(handout_dir)
             if not is_cache(p.relative_to(handout_dir))}
    files.pop(left_out, None)
    public = autograder_files(hidden=False, directory=root / AUTOGRADER_DIR.relative_to(ROOT))
    files.update({"autograder/" + name: path for name, path in public.items()})
    data_dir = root / DATA_DIR.relative_to(ROOT)
    if data_dir.is_dir():
        files.update({"data/" + name: path for name, path in tree_files(data_dir).items()})
    for name in ROOT_FILES:
        files[name] = root / name
    files["README.md"] = root / STUDENT_README.relative_to(ROOT)
    figures = root / FIGURES.relative_to(ROOT)
    files.update({"figures/" + image.name: image for image in sorted(figures.glob("*.png"))})
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise BundleError("missing from the repository: " + ", ".join(missing))
    return files


def strip_hidden_tests(source: str) -> str:
    """The source without its BEGIN/END HIDDEN TESTS regions (nbgrader's ClearHiddenTests)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    notebook, _ = ClearHiddenTests(enforce_metadata=False).preprocess(notebook, {})
    return notebook.cells[0].source


def _file_bytes(name: str, path: Path) -> bytes:
    data = path.read_bytes()
    if name.startswith("autograder/") and path.suffix == ".py":
        text = data.decode("utf-8")
        if "BEGIN HIDDEN TESTS" in text:
            data = strip_hidden_tests(text).encode("utf-8")
    refuse_secrets(name, data)
    return data


def refuse_secrets(name: str, data: bytes) -> None:
    """Raise BundleError when a file, whatever its type, holds a forbidden marker, or when a
    notebook holds a cell nbgrader marks as a solution or grade cell."""
    marker = next((m for m in FORBIDDEN_MARKERS if m.encode() in data), None)
    if marker is not None:
        raise BundleError(f"{name} would ship the marker '{marker}'")
    if not name.endswith(".ipynb"):
        return
    try:
        cells = json.loads(data.decode("utf-8"))["cells"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise BundleError(f"{name} is not a readable notebook ({error}); the bundle ships "
                          "only notebooks it can check") from None
    for index, cell in enumerate(cells, start=1):
        marks = (cell.get("metadata") or {}).get("nbgrader") or {}
        if marks.get("solution") or marks.get("grade"):
            raise BundleError(f"{name} would ship cell {index}, an nbgrader solution or grade "
                              "cell (generate the notebook with python3 -m kit handout)")


def _add(archive: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    """Add one member with fixed owner and time, so the same sources give the same archive."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def build(out_dir: Path = DIST, root: Path = ROOT, notebook: bool = False) -> Path:
    """Write ``<out_dir>/mytorch-handout.tar.gz`` and return its path (``notebook``: Part 3
    as the notebook).

    Refuses when handout/ is out of sync with solution/, so a stale stub never ships.
    """
    problems = handout.differences(root / SOLUTION.relative_to(ROOT),
                                   root / HANDOUT.relative_to(ROOT))
    if problems:
        raise BundleError("handout/ is out of sync with solution/ (run: python -m kit handout): "
                          + "; ".join(problems))
    files = contents(root, notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{BUNDLE_NAME}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        directories = sorted({parent.as_posix() for name in files
                              for parent in Path(name).parents} - {"."})
        for directory in [""] + directories:
            info = tarfile.TarInfo(f"{BUNDLE_NAME}/{directory}".rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            archive.addfile(info)
        for name, path in sorted(files.items()):
            mode = 0o755 if name in EXECUTABLE else 0o644
            _add(archive, f"{BUNDLE_NAME}/{name}", _file_bytes(name, path), mode)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                  filename="") as zipped:
        zipped.write(buffer.getvalue())
    return target


def member_names(archive: Path) -> List[str]:
    """The files (not directories) in an archive."""
    with tarfile.open(archive) as tar:
        return [m.name for m in tar.getmembers() if m.isfile()]
