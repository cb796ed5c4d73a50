"""What the student process may see of the machine, and the command that confines it.

``prefix(target, worker_dir)`` returns the command that runs the worker inside namespaces of
its own (``autograder/worker/confine.py``), or ``[]`` when it runs as before. Inside, the
student's code sees: the operating system's libraries (/usr), this interpreter and its
installed packages (read-only, forbidden libraries replaced by a package that cannot be
imported), the worker's runtime (autograder/common, autograder/worker, the hidden tests'
expressions, data/), its own hand-in directory (writable), and private size-limited /tmp and
/dev/shm. Not the grader's source or tests, no other hand-in, no gradebook, no network, no
other process, no environment beyond ``student_env``.

``AUTOGRADER_CONFINE`` chooses: ``auto`` (the default: confine when this machine allows it,
else run as before), ``require`` (confine, or fail the student process: a batch that decided
to confine sets it), ``off``. Sizes: ``[isolation]`` in autograder/rubric.toml.
"""
from __future__ import annotations

import functools
import glob
import json
import os
import site
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from autograder.common.paths import WORKER_FILES
from autograder.common.policy import is_forbidden
from autograder.grader.rubric import Rubric
from autograder.grader.student_env import CONFINED_MATPLOTLIB, matplotlib_cache, student_env

MODES = ("auto", "require", "off")
# The launcher's exit status when it killed the student's processes for their memory.
OVER_MEMORY_EXIT = 124
LAUNCHER = "confine.py"                     # in the worker's directory
# The operating system's files a Python process needs, read-only.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/alternatives")
# Where other interpreters of this machine keep packages (a forbidden one is masked there too).
OTHER_SITE_DIRS = ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages",
                   "/usr/lib/python3/dist-packages")


def mode() -> str:
    chosen = os.environ.get("AUTOGRADER_CONFINE", "auto")
    if chosen not in MODES:
        raise ValueError(f"AUTOGRADER_CONFINE={chosen!r}: expected one of {', '.join(MODES)}")
    return chosen


@functools.lru_cache(maxsize=None)
def limits() -> Dict[str, int]:
    """The sizes of the private file systems, ``[isolation]`` in the rubric (read once)."""
    return Rubric().isolation


def interpreter_paths() -> List[str]:
    """This interpreter's directories: its prefixes, its executable's, its site-packages
    (the user's too: ``pip install --user``)."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)]
    paths += site.getsitepackages() + [site.getusersitepackages()]
    return sorted({p for p in paths if os.path.isdir(p)})


def forbidden_entries() -> List[str]:
    """Installed packages and modules of forbidden libraries, in every site directory (by the
    name the interpreter knows and by its real path: both are mounted)."""
    directories = {q for p in interpreter_paths() for q in (p, os.path.realpath(p))}
    for pattern in OTHER_SITE_DIRS:
        directories.update(glob.glob(pattern))
    found = []
    for directory in sorted(directories):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        found += [os.path.join(directory, name) for name in names
                  if "-" not in name and is_forbidden(name.split(".")[0])]
    return sorted(found)


def worker_binds(worker_dir: Path) -> List[str]:
    """The worker's runtime beside ``worker_dir``: WORKER_FILES of its autograder copy."""
    root = Path(worker_dir).parent.parent
    paths = [str(root / name) for name in WORKER_FILES]
    mnist = os.environ.get("MYTORCH_MNIST")
    if mnist:
        paths.append(os.path.abspath(mnist))
    return paths


def spec(target: Path, worker_dir: Path, memory_mb: int = 0) -> Dict[str, Any]:
    """The confined root of a student process (the format: autograder/worker/confine.py).

    ``memory_mb``: what its processes may use together. Under ``AUTOGRADER_HANDIN=copy``
    (a batch, the platforms) the hand-in is a copy in memory with ``[isolation] handin_mb``
    to spare for its writes; otherwise (./grade.sh) it writes in its own directory."""
    sizes = limits()
    read_only = [p for p in SYSTEM_PATHS if not os.path.islink(p)]
    read_only += interpreter_paths() + worker_binds(worker_dir)
    binds = [bind for p in read_only for bind in _binds(p, False)]
    copied = os.environ.get("AUTOGRADER_HANDIN") == "copy"
    if not copied:
        binds += _binds(str(target), True)
    binds = [bind for bind in binds if not any(_covers(other, bind) for other in binds)]
    fonts = glob.glob(os.path.join(matplotlib_cache(), "fontlist-*.json"))
    copies = [[path, os.path.join(CONFINED_MATPLOTLIB, os.path.basename(path))]
              for path in fonts]
    return {"binds": binds, "masks": forbidden_entries(), "cwd": str(target), "copies": copies,
            "links": [[p, os.readlink(p)] for p in SYSTEM_PATHS if os.path.islink(p)],
            "tmp_mb": int(sizes["tmp_mb"]), "shm_mb": int(sizes["shm_mb"]),
            "handin": [str(target), int(sizes["handin_mb"])] if copied else None,
            "memory_mb": int(memory_mb), "memory_exit": OVER_MEMORY_EXIT}


def _binds(path: str, writable: bool) -> List[List[Any]]:
    """[source, target, writable] for ``path``: at its own name, and at its real path too
    when a symbolic link leads there (a virtual environment's python -> /usr/bin/python3)."""
    path = os.path.abspath(path)
    real = os.path.realpath(path)
    return [[real, name, writable] for name in sorted({path, real})]


def _covers(outer: List[Any], inner: List[Any]) -> bool:
    """Whether the bind ``outer`` already shows ``inner`` (same file, same writability)."""
    (source, path, writable), (inner_source, inner_path, inner_writable) = outer, inner
    below = os.path.relpath(inner_path, path)
    return (inner_path != path and not below.startswith("..") and writable == inner_writable
            and os.path.join(source, below) == inner_source)


def command(target: Path, worker_dir: Path, memory_mb: int = 0) -> List[str]:
    """The launcher's command line, to which the worker's command is appended."""
    launcher = str(Path(worker_dir) / LAUNCHER)
    return [sys.executable, "-I", "-S", launcher,
            json.dumps(spec(target, worker_dir, memory_mb)), "--"]


@functools.lru_cache(maxsize=None)
def available(worker_dir: str, uid: int = -1) -> str:
    """Why the student process cannot be confined here as ``uid`` ("" when it can).

    Imports numpy in a confinement once per process (a fraction of a second)."""
    if not sys.platform.startswith("linux"):
        return f"no Linux namespaces on {sys.platform}"
    here = Path(worker_dir).resolve()
    extra = {"user": uid, "group": uid, "extra_groups": []} if uid >= 0 else {}
    try:
        probe = subprocess.run(command(here, here) + [sys.executable, "-c", "import numpy"],
                               capture_output=True, timeout=60, cwd="/",
                               env=student_env(confined=True), **extra)
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    if probe.returncode == 0:
        return ""
    return probe.stderr.decode("utf-8", "replace").strip()[-300:] or f"exit {probe.returncode}"


def prefix(target: Path, worker_dir: Path, memory_mb: int = 0, **popen: Any) -> List[str]:
    """The command to put before the worker's: [] when not confined (``mode``)."""
    chosen = mode()
    if chosen == "off":
        return []
    if chosen == "auto" and available(str(worker_dir), popen.get("user", -1)):
        return []
    return command(target, worker_dir, memory_mb)
