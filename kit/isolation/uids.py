"""Uids that run student code: lease them, give them files, probe them, clean up after them.

A batch run as root gives each job slot a uid of its own, leased for the batch's lifetime
(``lease_uids``): an exclusive ``flock`` on ``LOCK_DIR/mytorch-uid-<uid>.lock``, so two batches
on one machine never run student code under the same uid, and the kernel releases the lease
when the batch ends, however it ends. Killing a uid's processes and deleting its files needs
that uid's lease. The platform bundles use ``nobody``. Standard library only: the platform
bundles ship this file.
"""
from __future__ import annotations

import fcntl
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
# Where the uid leases live: one fixed place per machine, so that every batch sees them.
LOCK_DIR = Path("/run/lock") if os.path.isdir("/run/lock") else Path("/tmp")
LOCK_NAME = "mytorch-uid-{uid}.lock"
LEASE_RANGE = 1000          # a batch looks for free uids among UID_BASE .. UID_BASE+999


def isolating() -> bool:
    """Student code runs as other uids only when we run as root."""
    return os.geteuid() == 0


class UidLease:
    """This process's exclusive use of ``uid`` on this machine, until ``release()`` or its end."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid, self._fd = uid, fd

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)              # closing the only descriptor drops the flock
            self._fd = -1


def try_lease(uid: int, directory: Path = LOCK_DIR) -> Optional[UidLease]:
    """Lease ``uid``, or None when another process holds it.

    Only a lock file of our own uid counts (another's could be unlinked by its owner while
    locked); and the file must still be the one at the path once locked."""
    path = directory / LOCK_NAME.format(uid=uid)
    for _ in range(3):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        opened = os.fstat(fd)
        if opened.st_uid != os.geteuid():
            os.close(fd)
            os.unlink(path)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            current = os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            current = None
        if current == opened.st_ino:
            return UidLease(uid, fd)
        os.close(fd)
    return None


def lease_uids(base: int, count: int, directory: Path = LOCK_DIR) -> List[UidLease]:
    """``count`` uids from ``base`` up that no user owns and no other process has leased."""
    leases: List[UidLease] = []
    for uid in range(base, base + LEASE_RANGE):
        if len(leases) == count:
            return leases
        if _has_user(uid):
            continue
        lease = try_lease(uid, directory)
        if lease is not None:
            leases.append(lease)
    if len(leases) == count:
        return leases
    for lease in leases:
        lease.release()
    raise SystemExit(f"error: fewer than {count} free uids in {base}..{base + LEASE_RANGE - 1} "
                     f"(owned by users or leased by running batches: {directory}/"
                     f"{LOCK_NAME.format(uid='*')}); choose another --uid-base")


def _has_user(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


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


def _uid_of_lease(lease: Optional[UidLease]) -> Optional[int]:
    if lease is None:
        return None
    if not lease.held:
        raise RuntimeError(f"uid {lease.uid}: its lease is released; its processes and files "
                           "may be another batch's now")
    return lease.uid


# Run as a slot uid, kill(-1) signals every process of that uid in one pass of the kernel (all
# but itself), so a process forking new ones as fast as it can does not slip past. The first
# of these commands the uid can run does it (this Python may be unreadable to it).
KILL_ALL_OF_MY_UID = [["kill", "-KILL", "-1"],
                      [sys.executable, "-I", "-S", "-c", "import os; os.kill(-1, 9)"]]


def kill_leftovers(lease: Optional[UidLease], work: Optional[Path] = None) -> None:
    """Kill the processes of the leased uid and those naming ``work`` (fork bombs, orphans)."""
    uid = _uid_of_lease(lease)
    if uid is not None and os.geteuid() == 0:
        for command in KILL_ALL_OF_MY_UID:
            command = [shutil.which(command[0]) or command[0], *command[1:]]
            try:
                for _ in range(2):
                    subprocess.run(command, user=uid, group=uid, extra_groups=[], timeout=30,
                                   capture_output=True)
                break
            except (OSError, subprocess.SubprocessError):
                continue                    # the uid cannot run it: the next, or the scan

    def match(pid: str) -> bool:
        if uid is not None and _uid_of(pid) == uid:
            return True
        if work is None:
            return False
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


def remove_files_of(lease: UidLease) -> None:
    """Delete what the leased uid left in the shared temporary directories."""
    uid = _uid_of_lease(lease)
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
