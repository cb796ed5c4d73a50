"""The catalogue of mutants and variants (tests/mutants/*.toml) and how an entry is applied.

``mutants.toml`` holds realistic student bugs, ``variants.toml`` correct implementations
written differently from the reference. Each entry is a list of patches (file, exact ``old``
text, ``new`` text) applied to a scratch copy of solution/, each exactly once
(kit/textpatch.py).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

from autograder.common.compat import tomllib
from kit.paths import MUTANT_CATALOGUE, SOLUTION, STUDENT_README
from kit.textpatch import PatchError, replace_once


class CatalogueError(Exception):
    """A catalogue entry that cannot be applied to the current solution."""


@dataclass(frozen=True)
class Patch:
    file: str                # relative to solution/
    old: str                 # must occur exactly once in the file
    new: str


@dataclass(frozen=True)
class Entry:
    """A mutant (a bug that must lose points) or a variant (a rewrite that must not)."""
    id: str
    part: str                # the rubric part number it belongs to, e.g. "2.4"
    description: str
    patches: List[Patch]
    kind: str                # "mutant" or "variant"
    also: List[str] = field(default_factory=list)   # further parts to grade (variants)
    # a mutant that rightly loses points first in a part before its own (in the work
    # order): why (the report lists it as a justified exception)
    first_elsewhere: str = ""

    @property
    def parts(self) -> List[str]:
        return [self.part, *self.also]


def load(kind: str, directory: Path = MUTANT_CATALOGUE) -> List[Entry]:
    """The entries of ``mutants.toml`` (kind "mutant") or ``variants.toml`` ("variant")."""
    with open(directory / f"{kind}s.toml", "rb") as handle:
        raw = tomllib.load(handle)
    entries = []
    for item in raw[kind]:
        patches = [Patch(p["file"], p["old"], p["new"]) for p in item["patch"]]
        entries.append(Entry(item["id"], str(item["part"]), item["description"], patches, kind,
                             [str(p) for p in item.get("also", [])],
                             item.get("first_elsewhere", "")))
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"{kind}s.toml: duplicate ids {duplicates}")
    return entries


def work_order(text: str) -> List[str]:
    """The part numbers of the numbered list under the writeup's '## Work in this order'
    ("1. Part 1.2 — the autograd engine ...")."""
    section = text.split("## Work in this order", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for m in map(WORK_STEP.match, section.splitlines()) if m]


WORK_STEP = re.compile(r"^\d+\. Part (\d+(?:\.\d+)?)\b")


def parts_before(part: str) -> List[str]:
    """The parts a student has done before ``part`` (the writeup's work order; every part of
    it for one outside it, the optional track), Part 3 left out: its MNIST run takes the time
    of the rest together, and it trains with Parts 1-2's functions, which a mutant of a later
    part does not change."""
    order = work_order(STUDENT_README.read_text())
    before = order[:order.index(part)] if part in order else order
    return [number for number in before if number != "3"]


def apply(entry: Entry, target: Path) -> None:
    """Apply the entry's patches to ``target`` (a copy of solution/), each exactly once."""
    for patch in entry.patches:
        try:
            replace_once(target / patch.file, patch.old, patch.new)
        except PatchError as error:
            raise CatalogueError(f"{entry.id}: the text to replace occurs {error.count} times in "
                                 f"{patch.file} (expected once); update the catalogue.\n"
                                 f"--- old text:\n{patch.old}") from None


def copy_solution(destination: Path) -> Path:
    shutil.copytree(SOLUTION, destination, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    return destination
