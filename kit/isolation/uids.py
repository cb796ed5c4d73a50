"""Uids that run student code: check them, give them files, probe them, clean up after them.

A batch run as root gives each job slot a uid of its own (``--uid-base`` + slot); the platform
bundles use ``nobody``. Standard library only: the platform bundles ship this file.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def isolating() -> bool:
    """Student code runs as other uids only when we run as root."""
    return os.geteuid() == 0


def check_unused(uid_base: int, count: int) -> None:
    """Exit unless uids uid_base..uid_base+count-1 belong to nobody: their processes get killed."""
    for uid in range(uid_base, uid_base + count):
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            continue
        raise SystemExit(f"error: uid {uid} belongs to the user '{name}'; choose --uid-base so "
                         f"that {uid_base}..{uid_base + count - 1} are unused")


def python_fails_as(uid: int) -> str:
    """Why a process of ``uid`` cannot run this Python and import numpy ("" when it can).

    Raises OSError or subprocess.SubprocessError when the probe itself cannot start.
    """
    probe = subprocess.run([sys.executable, "-c", "import numpy"], user=uid, group=uid,
                           extra_groups=[], capture_output=True, timeout=60, cwd="/")
    if probe.returncode == 0:
        return ""
    return probe.stderr[-500:].decode("utf-8", "replace") or "failed"


def chown_tree(path: Path, uid: int) -> None:
    """Give ``path`` and everything below it to ``uid`` (links themselves, not their targets)."""
    os.chown(path, uid, uid, follow_symlinks=False)
    for root, directories, files in os.walk(path):
        for name in directories + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _processes_where(match: Callable[[str], bool]) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if match(entry):
                found.append(int(entry))
        except OSError:
            continue
    return found


def _uid_of(pid: str) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return -1


def kill_leftovers(uid: Optional[int], work: Path) -> None:
    """Kill the processes of ``uid`` and those naming ``work`` (fork bombs, orphans)."""
    def match(pid: str) -> bool:
        if uid is not None and _uid_of(pid) == uid:
            return True
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return str(work).encode() in handle.read()
    for _ in range(20):
        pids = _processes_where(match)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def remove_files_of(uid: int) -> None:
    """Delete what ``uid`` left in the shared temporary directories."""
    for directory in SHARED_TEMP:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
