"""The grader process of one submission in a batch.

``kit.batch`` starts it through a multiprocessing fork server that has already imported
PyTorch, numpy and pytest (the costly part of starting a grader), so each submission still
gets a process of its own but not a cold start. The process
- leaves the batch's process group (the batch kills the whole group on a time-out) and makes
  itself non-dumpable, so code running under the same uid cannot read its memory or file
  descriptors through /proc;
- imports the autograder from the submission's private copy, never the repository's;
- runs pytest on that copy; the student's code runs in worker processes started from there
  (as another uid when the batch runs as root);
- streams every test outcome to the batch over its multiprocessing pipe: the only channel the
  batch reads, which student code cannot reach. Scores are computed by the batch.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
from typing import Any, Dict, List

from kit import scratch

PRELOAD = ["numpy", "torch", "pytest", "pytest_timeout"]
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


def preflight(conn: Any, uid: int, hide: List[str]) -> None:
    """Can a process of ``uid`` run this Python and import numpy? Reports "ok" or the reason."""
    os.setsid()
    try:
        enter_sandbox(hide)
        done = subprocess.run([sys.executable, "-c", "import numpy"], user=uid, group=uid,
                              extra_groups=[], capture_output=True, timeout=60, cwd="/")
        conn.send_bytes(b"ok" if done.returncode == 0 else done.stderr[-500:] or b"failed")
    except BaseException as error:           # noqa: B902
        conn.send_bytes(f"{type(error).__name__}: {error}".encode())
    finally:
        conn.close()
        os._exit(0)


def grade(conn: Any, job: Dict[str, Any]) -> None:
    """Grade ``job['target']`` with the autograder in ``job['grader_root']``; report on ``conn``."""
    os.setsid()
    not_dumpable()
    cpu = int(job["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))    # inherited by the student workers
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.update(job["env"])

    def send(message: Dict[str, Any]) -> None:
        conn.send_bytes(json.dumps(message).encode())

    for name in [n for n in sys.modules if n == "autograder" or n.startswith("autograder.")]:
        del sys.modules[name]
    root = job["grader_root"]
    sys.path[:] = [root] + [p for p in sys.path if p not in ("", ".", os.getcwd())]
    os.chdir(root)
    try:
        if job["env"].get("AUTOGRADER_RUN_AS_UID"):
            enter_sandbox(job["hide"])
        import pytest

        import autograder
        if not os.path.realpath(autograder.__file__).startswith(os.path.realpath(root) + os.sep):
            raise RuntimeError(f"imported {autograder.__file__}, not the submission's copy")
        from autograder.grader.results import ResultCollector

        class Streaming(ResultCollector):
            """Sends the list of collected tests, then each outcome as soon as it is known."""

            def pytest_collection_modifyitems(self, items: list) -> None:
                super().pytest_collection_modifyitems(items)
                send({"collected": [[o.nodeid, o.part, o.check] for o in self.outcomes.values()]})

            def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
                outcome = self.outcomes.get(nodeid)
                if outcome is not None:
                    send({"outcome": [nodeid, outcome.part, outcome.check, outcome.passed,
                                      outcome.message[:4000], round(outcome.duration, 3)]})

        from autograder.grader.rubric import Rubric
        collector = Streaming(Rubric())
        autograder_dir = os.path.join(root, "autograder")
        args = [autograder_dir, "-c", os.path.join(autograder_dir, "pytest.ini"),
                "--rootdir", root, "--target", job["target"], "-m", " or ".join(job["parts"]),
                "-q", "--tb=no", "-p", "no:warnings", "-o", f"timeout={job['test_timeout']}"]
        if job["hidden"]:
            args.append("--hidden")
        code = pytest.main(args, plugins=[collector])
        send({"done": int(code)})
    except BaseException as error:           # noqa: B902 - report, never hang the batch
        send({"grader_error": f"{type(error).__name__}: {error}"[:2000]})
    finally:
        conn.close()
        os._exit(0)


# The fork server imports this module first: from then on it, and every grader forked from
# it, is out of reach of same-uid code (ptrace, /proc/PID/mem), which matters without root.
not_dumpable()
