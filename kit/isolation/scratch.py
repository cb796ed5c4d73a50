"""Temporary directories of a batch, and the sweep of those an interrupted batch left behind.

Every directory a batch creates in the system's temporary directory is named
``mytorch-<kind>-<pid>-<random>``, with the pid of the process that made it. A batch that
ends normally or by Ctrl-C removes its own; one killed outright (SIGKILL, a crash of the
machine) cannot, so the next batch removes every such directory whose process is gone.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import List

KINDS = ("grade", "batch", "bind")      # a submission's, the batch's shared copy, a mount holder
_NAME = re.compile(r"mytorch-(%s)-(\d+)-" % "|".join(KINDS))


def make_dir(kind: str) -> Path:
    """A new empty directory ``mytorch-<kind>-<this pid>-...`` in the temporary directory."""
    assert kind in KINDS, kind
    return Path(tempfile.mkdtemp(prefix=f"mytorch-{kind}-{os.getpid()}-"))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:             # someone else's process: running
        return True
    return True


def sweep_abandoned(directory: Path | None = None) -> List[Path]:
    """Remove the batch directories whose creating process no longer runs; return them.

    Only directories named by ``make_dir`` and owned by the current user (any, for root)
    are touched; a directory whose pid is running again (pid reuse) is left for later.
    """
    removed = []
    root = Path(directory or tempfile.gettempdir())
    for entry in sorted(root.glob("mytorch-*-*-*")):
        match = _NAME.match(entry.name)
        if not match or _running(int(match.group(2))):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        # lstat does not follow links: a symlink named like ours is not a directory here.
        if not stat.S_ISDIR(info.st_mode) or (os.getuid() != 0 and info.st_uid != os.getuid()):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
