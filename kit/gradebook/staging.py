"""The files of one export, published together: each is written to a temporary name beside its
own, and all are renamed into place only once every one is written. An export that fails half
way (a full disk) leaves the previous export whole and no temporary file behind.

Outside ``together()`` a file is renamed into place as soon as it is written.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, List, Tuple

_batches: List[List[Tuple[str, Path]]] = []


def temporary_beside(path: Path) -> str:
    """A new empty file (mode 0644) in ``path``'s directory, with ``path``'s suffix."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=path.suffix)
    os.close(handle)
    os.chmod(temporary, 0o644)
    return temporary


def publish(temporary: str, path: Path) -> None:
    """Rename ``temporary`` to ``path`` now, or with the rest of the export in progress."""
    if _batches:
        _batches[-1].append((temporary, path))
    else:
        os.replace(temporary, path)


@contextlib.contextmanager
def together() -> Iterator[None]:
    """Publish every file written inside at the end, or none when anything fails."""
    pending: List[Tuple[str, Path]] = []
    _batches.append(pending)
    try:
        yield
    except BaseException:
        for temporary, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    finally:
        _batches.pop()
    for temporary, path in pending:
        os.replace(temporary, path)
