"""Exact-text patches: replace a text that must occur exactly once in a file.

Used by the mutant catalogue (kit/quality) and by the kit's tests to plant deliberate bugs in
a copy of the solution; a text found zero or several times means the patch is stale.
"""
from __future__ import annotations

from pathlib import Path


class PatchError(Exception):
    """The text to replace does not occur exactly once (``count`` times)."""

    def __init__(self, path: Path, old: str, count: int) -> None:
        super().__init__(f"{path}: the text to replace occurs {count} times (expected once): "
                         f"{old!r}")
        self.count = count


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``path``; raise PatchError unless ``old`` occurs once."""
    text = Path(path).read_text()
    count = text.count(old)
    if count != 1:
        raise PatchError(path, old, count)
    Path(path).write_text(text.replace(old, new))
