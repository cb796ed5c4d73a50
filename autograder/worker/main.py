"""The student process: imports the target's ``mytorch`` and runs probes on request.

Started by ``autograder.grader.student_process`` as ``python autograder/worker --target DIR``
(see ``__main__.py``). It never decides
a score: it only returns what the student's code computed (arrays, flags, errors), and the
grader compares that with PyTorch in its own process.

Before any student code runs, the worker
- applies resource limits (address space, file size, core dumps, optionally processes);
- makes PyTorch and other autodiff libraries unimportable (students write numpy only);
- moves the protocol to private file descriptors, so ``print`` in student code goes to the
  log and ``input()`` reads nothing.
"""
from __future__ import annotations

import argparse
import importlib.abc
import os
import sys
import traceback

from autograder.common.compat import qualified_name
from autograder.common.policy import is_forbidden



class ForbiddenImport(importlib.abc.MetaPathFinder):
    """Refuses to import the libraries a MyTorch submission may not use."""

    def find_spec(self, fullname, path=None, target=None):
        if is_forbidden(fullname):
            raise ImportError(f"'{fullname}' may not be used in this assignment: mytorch is "
                              "written with numpy and the Python standard library only.")
        return None


def apply_limits(memory_mb: int, file_mb: int, max_processes: int) -> None:
    import resource
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, file_mb * 2 ** 20)]
    if memory_mb:
        limits.append((resource.RLIMIT_AS, memory_mb * 2 ** 20))
    if max_processes:
        limits.append((resource.RLIMIT_NPROC, max_processes))
    for kind, value in limits:
        resource.setrlimit(kind, (value, value))


def describe_error(error: BaseException, target: str) -> dict:
    """Type, message and the innermost place in the student's own files where it happened;
    for a gradient of the wrong shape, the backward that returned it (blame.py)."""
    frames = traceback.extract_tb(error.__traceback__)
    target = os.path.realpath(target)
    location = None
    for frame in reversed(frames):
        path = os.path.realpath(frame.filename)
        if path.startswith(target + os.sep):
            location = {"file": os.path.relpath(path, target), "line": frame.lineno,
                        "function": getattr(frame, "name", "?"), "code": frame.line or ""}
            break
    if location is not None:
        tb = error.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if (os.path.realpath(code.co_filename).endswith(location["file"])
                    and tb.tb_lineno == location["line"]):
                location["function"] = qualified_name(tb.tb_frame)
            tb = tb.tb_next
    from autograder.worker import blame
    try:
        blamed = blame.wrong_shape(error, target)
    except Exception:                   # noqa: BLE001 - a graph too odd to read: plain message
        blamed = None
    module = getattr(error, "name", None) if isinstance(error, ImportError) else None
    return {"type": type(error).__name__, "message": str(error)[:2000], "location": location,
            "wrong_shape": blamed, "module": module if isinstance(module, str) else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    # The grader always gives the limits (autograder/grader/process_limits.py); a memory or
    # process limit of 0 sets none.
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--max-processes", type=int, required=True)
    args = parser.parse_args()

    # Private protocol channels; the student's stdin/stdout become /dev/null and stderr.
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    apply_limits(args.memory_mb, args.file_mb, args.max_processes)
    for name in list(sys.modules):
        if is_forbidden(name):
            del sys.modules[name]
    sys.meta_path.insert(0, ForbiddenImport())

    target = os.path.abspath(args.target)
    sys.path.insert(1, target)          # sys.path[0] holds autograder/: the grader's modules win
    os.chdir(target)

    import numpy as np                  # noqa: F401  (imported before student code can patch)
    from autograder.common import wire
    from autograder.worker.probes import REGISTRY

    # Started, and nothing of the student's has run yet: a death before this is the grader's.
    replies.write(wire.encode({"ready": True}))
    replies.flush()
    while True:
        try:
            request = wire.read_message(requests)
        except EOFError:
            return
        probe = REGISTRY.get(request.get("probe", ""))
        if probe is None:
            reply = {"error": {"type": "GraderError", "location": None,
                               "message": f"unknown probe {request.get('probe')!r}"}}
        else:
            try:
                reply = {"ok": probe(**request.get("args", {}))}
            except BaseException as error:   # noqa: B902 - SystemExit from students too
                reply = {"error": describe_error(error, target)}
        try:
            data = wire.encode(reply)
        except (wire.WireError, TypeError, ValueError) as error:
            data = wire.encode({"error": {"type": "BadResult", "location": None,
                                          "message": f"the result could not be sent: {error}"}})
        replies.write(data)
        replies.flush()


if __name__ == "__main__":
    main()
