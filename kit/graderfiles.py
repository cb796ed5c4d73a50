"""Which files of the autograder are copied: into a batch's grader copy, the platform bundles
and the student bundle.

Caches are never copied. The hidden tests are exactly the directory ``autograder/hidden/``
(``autograder.common.paths.HIDDEN_DIR``): left out unless asked for, and nothing else is left
out for having "hidden" in its name.
"""
from __future__ import annotations

import shutil
from pathlib import Path, PurePath
from typing import Dict

from autograder.common.paths import AUTOGRADER_DIR, HIDDEN_DIR

HIDDEN = HIDDEN_DIR.relative_to(AUTOGRADER_DIR).as_posix()     # "hidden", below autograder/
# Directories beside autograder/ that tests may read (data/mnist.npz).
SHARED_DIRECTORIES = ("data",)
CACHE_NAMES = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def is_cache(relative: PurePath) -> bool:
    """A cache directory or compiled file anywhere in ``relative``."""
    return bool(CACHE_NAMES & set(relative.parts)) or relative.suffix in (".pyc", ".pyo")


def is_hidden(relative: PurePath) -> bool:
    """``relative`` (to the autograder directory) is the hidden-test directory or inside it."""
    return relative.as_posix() == HIDDEN or relative.as_posix().startswith(HIDDEN + "/")


def tree_files(directory: Path) -> Dict[str, Path]:
    """Path relative to ``directory`` (posix) -> file, for every file below it but caches."""
    files = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and not is_cache(relative):
            files[relative.as_posix()] = path
    return files


def autograder_files(hidden: bool, directory: Path = AUTOGRADER_DIR) -> Dict[str, Path]:
    """``tree_files`` of the autograder, without the hidden tests unless ``hidden``."""
    return {name: path for name, path in tree_files(directory).items()
            if hidden or not is_hidden(PurePath(name))}


def copy_autograder(destination: Path, hidden: bool, directory: Path = AUTOGRADER_DIR) -> None:
    """Copy ``directory`` to ``destination`` (which must not exist) as ``autograder_files``."""
    def ignore(folder: str, names: list) -> list:
        relative = Path(folder).relative_to(directory)
        return [n for n in names if is_cache(relative / n)
                or (not hidden and is_hidden(relative / n))]
    shutil.copytree(directory, destination, ignore=ignore)
