"""The grader's sandbox: a process that same-uid code cannot inspect, and a mount namespace in
which the student's uid can run Python but cannot see this kit checkout.

Needs CAP_SYS_ADMIN (root) for the namespace; ``preflight`` checks, before a batch grades
anything, that a slot uid can run Python inside it.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from autograder.grader import confinement
from kit.isolation import scratch, uids
from kit.paths import ROOT

PR_SET_DUMPABLE = 4
CLONE_NEWNS, MS_BIND, MS_REC, MS_PRIVATE, MS_MOVE, MS_RDONLY = (
    0x20000, 0x1000, 0x4000, 0x40000, 0x2000, 0x1)


def not_dumpable() -> None:
    """prctl(PR_SET_DUMPABLE, 0): no ptrace, no /proc/PID/fd or /mem for the same uid."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _libc_call(name: str, *args: Any) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        raise OSError(ctypes.get_errno(), f"{name} failed: {os.strerror(ctypes.get_errno())}")


def _interpreter_paths() -> List[str]:
    import site
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)]
    paths += site.getsitepackages()
    return sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)})


def _blocked_ancestors() -> Dict[str, List[str]]:
    """{directory others cannot enter: [its children on the way to the interpreter]}."""
    blocked: Dict[str, List[str]] = {}
    for path in _interpreter_paths():
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:depth])
            if not os.stat(ancestor).st_mode & 0o001:
                child = "/" + "/".join(parts[:depth + 1])
                blocked.setdefault(ancestor, [])
                if child not in blocked[ancestor]:
                    blocked[ancestor].append(child)
                break
    return blocked


def enter_sandbox(hide: List[str]) -> None:
    """A mount namespace for this grader and the student processes it starts.

    - When Python lives in a directory others cannot enter (/root/.pyenv), an empty,
      enterable tmpfs is mounted over that directory and only the interpreter's subtree is
      bound back into it, so the student uid can run Python; the rest stays invisible.
    - Each directory in ``hide`` (the kit checkout, with the reference solution) is covered
      by an empty read-only tmpfs.
    Needs CAP_SYS_ADMIN (root); the batch checks it works before grading (``preflight``).
    """
    blocked = _blocked_ancestors()
    hide = [h for h in hide if os.path.isdir(h)]
    if not blocked and not hide:
        return
    _libc_call("unshare", CLONE_NEWNS)
    _libc_call("mount", None, b"/", None, MS_REC | MS_PRIVATE, None)
    for directory, children in blocked.items():
        holders = []
        for child in children:
            holder = str(scratch.make_dir("bind"))
            _libc_call("mount", child.encode(), holder.encode(), None, MS_BIND | MS_REC, None)
            holders.append((holder, child))
        _libc_call("mount", b"tmpfs", directory.encode(), b"tmpfs", 0, b"mode=755,size=64k")
        for holder, child in holders:
            os.mkdir(child)
            _libc_call("mount", holder.encode(), child.encode(), None, MS_MOVE, None)
            os.rmdir(holder)
    for directory in hide:
        _libc_call("mount", b"tmpfs", directory.encode(), b"tmpfs", MS_RDONLY, b"mode=555,size=4k")


def confinement_unavailable(worker_dir: str, uid: int = -1) -> str:
    """Why student processes cannot get namespaces of their own ("" when they can)."""
    if os.environ.get("AUTOGRADER_CONFINE") == "off":
        return "turned off by AUTOGRADER_CONFINE=off"
    return confinement.available(worker_dir, uid)


def preflight(conn: Any, uid: int, hide: List[str], worker_dir: str) -> None:
    """Can a process of ``uid`` run this Python and import numpy, and can it do so in
    namespaces of its own (the launcher in ``worker_dir``)? Reports JSON {"python": reason,
    "confinement": reason}, "" for each that works.

    Runs in a forked child (it enters the sandbox); the batch checks this before grading.
    """
    os.setsid()
    try:
        confinement.limits()                     # read the rubric before the checkout is hidden
        enter_sandbox(hide)
        report = {"python": uids.python_fails_as(uid), "confinement": ""}
        if not report["python"]:
            report["confinement"] = confinement_unavailable(worker_dir, uid)
        conn.send_bytes(json.dumps(report).encode())
    except BaseException as error:           # noqa: B902
        conn.send_bytes(json.dumps({"python": f"{type(error).__name__}: {error}"}).encode())
    finally:
        conn.close()
        os._exit(0)


def hidden_paths(work: Optional[Path] = None) -> List[str]:
    """What student code must not see: this kit checkout (it holds the reference solution)."""
    if work is not None and (work.resolve() == ROOT or ROOT in work.resolve().parents):
        return []
    return [str(ROOT)]
