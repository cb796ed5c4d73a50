"""The grader's handle on the student process (``autograder.worker``).

``StudentProcess.run(probe, timeout=..., **args)`` sends one request and waits for the reply.
A probe that raises, hangs, or kills the process becomes a ``StudentCodeError`` with a
readable message; the process is restarted for the next call, so one broken function only
fails the checks that use it.
"""
from __future__ import annotations

import collections
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from autograder.common import wire
from autograder.common.paths import WORKER_DIR
from autograder.grader import budget
from autograder.grader.compare import GradingFailure
from autograder.grader.hints import HINTS, shape_mismatch



class StudentCodeError(GradingFailure):
    """The student's code raised, timed out, or crashed while a check ran.

    ``kind`` is the exception's type name, ``function`` and ``part`` say where in the
    student's files it was raised (when known): the report uses them to group stubs and to
    tell a check that fails in another part's function to wait for that part.
    """

    def __init__(self, message: str, kind: str = "", function: str = "", part: str = "",
                 where: str = "") -> None:
        super().__init__(message)
        self.kind, self.function, self.part, self.where = kind, function, part, where


class StudentProcess:
    """A long-lived worker importing the target's mytorch, restarted after a failure.

    Limits come from the environment so that batch grading can tighten them:
    AUTOGRADER_MEMORY_MB (default 4096), AUTOGRADER_FILE_MB (64),
    AUTOGRADER_MAX_PROCESSES (0: no limit), AUTOGRADER_RUN_AS_UID (run as that uid when root),
    AUTOGRADER_CALL_TIMEOUT (seconds per call, 30). Two more for the platform bundles:
    AUTOGRADER_DEADLINE (one deadline for the whole run, shared out over the checks: see
    budget.py) and AUTOGRADER_WORKER_DIR (a copy of autograder/worker/ the student's uid can
    read, when the grader's own source is unreadable to it).
    """

    def __init__(self, target: Path, function_parts: Optional[dict] = None) -> None:
        self.target = Path(target).resolve()
        self.function_parts = function_parts or {}
        self.process: Optional[subprocess.Popen] = None
        self.stderr_tail: collections.deque = collections.deque(maxlen=40)
        self.live_output = False    # forward the student's stderr to ours (progress bars)

    # ------------------------------------------------------------------ life cycle
    def _start(self) -> None:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AUTOGRADER_", "PYTEST"))}
        env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
                    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"})
        worker = os.environ.get("AUTOGRADER_WORKER_DIR") or str(WORKER_DIR)
        command = [sys.executable, "-X", "faulthandler", worker, "--target", str(self.target),
                   "--memory-mb", os.environ.get("AUTOGRADER_MEMORY_MB", "4096"),
                   "--file-mb", os.environ.get("AUTOGRADER_FILE_MB", "64"),
                   "--max-processes", os.environ.get("AUTOGRADER_MAX_PROCESSES", "0")]
        extra = {}
        uid = os.environ.get("AUTOGRADER_RUN_AS_UID")
        if uid and os.geteuid() == 0:
            extra = {"user": int(uid), "group": int(uid), "extra_groups": []}
        self.stderr_tail.clear()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=self.target, env=env,
                                        start_new_session=True, **extra)
        threading.Thread(target=self._drain_stderr, args=(self.process,), daemon=True).start()

    def _drain_stderr(self, process: subprocess.Popen) -> None:
        """Keep the last lines of the student's stderr for crash reports; during a call with
        ``live_output`` also copy it to the grader's stderr as it arrives (chunks, not lines,
        so that a progress bar redrawn with carriage returns moves)."""
        partial = ""
        for chunk in iter(lambda: process.stderr.read1(1 << 16), b""):
            if self.live_output:
                _echo(chunk)
            lines = (partial + chunk.decode("utf-8", "replace")).replace("\r", "\n").split("\n")
            partial = lines.pop()[-300:]
            self.stderr_tail.extend(line.rstrip()[:300] for line in lines if line.strip())
        if partial.strip():
            self.stderr_tail.append(partial.rstrip())

    def close(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.process = None

    # ------------------------------------------------------------------ requests
    def run(self, probe: str, timeout: Optional[float] = None, live_output: bool = False,
            **args: Any) -> Any:
        """Run ``probes.<probe>(**args)`` in the student process and return its result.

        ``timeout`` defaults to AUTOGRADER_CALL_TIMEOUT seconds (30). ``live_output`` shows
        what the student process writes to stderr while the call runs (a progress bar).
        """
        if timeout is None:
            timeout = float(os.environ.get("AUTOGRADER_CALL_TIMEOUT", "30"))
        # Under AUTOGRADER_DEADLINE, at most this check's share of the time left; none left
        # (an earlier call of the check hung): fail now rather than wait again.
        timeout = budget.limit(timeout)
        if timeout <= 0:
            raise StudentCodeError(budget.OUT_OF_TIME)
        if self.process is None:
            self._start()
        # A crash report quotes only this call's output: an earlier call may have been a
        # hidden test, whose inputs the student's code could have printed.
        self.stderr_tail.clear()
        self.live_output = live_output
        try:
            self.process.stdin.write(wire.encode({"probe": probe, "args": args}))
            self.process.stdin.flush()
            reply = self._read_reply(timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise StudentCodeError(
                f"Your code did not finish within {timeout:g} s (an infinite loop, or a Python "
                "loop over array elements where numpy would do it at once?).") from None
        except (EOFError, BrokenPipeError, wire.WireError) as error:
            status = self.process.poll() if self.process else None
            tail = "\n".join(list(self.stderr_tail)[-12:])
            self.close()
            raise StudentCodeError(
                f"The process running your code stopped unexpectedly ({_exit_reason(status, error)})."
                + (f"\nLast output of your code:\n{tail}" if tail else "")) from None
        finally:
            if live_output:
                time.sleep(0.2)     # let the drain thread pass on the bar's last redraw
            self.live_output = False
        if "error" in reply:
            raise self._error(reply["error"])
        return reply.get("ok")

    def _read_reply(self, timeout: float) -> Any:
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        buffer = bytearray()
        needed = 8
        while len(buffer) < needed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired("probe", timeout)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, max(needed - len(buffer), 1 << 16))
            if not chunk:
                raise EOFError("student process ended")
            buffer += chunk
            if needed == 8 and len(buffer) >= 8:
                length = int.from_bytes(buffer[:8], "big")
                if length > wire.MAX_MESSAGE_BYTES:
                    raise wire.WireError("reply too large")
                needed = 8 + length
        if len(buffer) > needed:
            raise wire.WireError("unexpected extra output on the protocol channel")
        return wire.decode_body(bytes(buffer[8:]))

    def _error(self, error: dict) -> StudentCodeError:
        kind, message = error.get("type", "Error"), error.get("message", "")
        location = error.get("location")
        where, function, part, place = "", "", "", ""
        if location:
            function = location.get("function", "?")
            part = self.function_parts.get(function, "")
            place = f"{location['file']}:{location['line']}"
            where = f" in {function} ({place}" + (f", Part {part}" if part else "") + ")"
            if location.get("code"):
                where += f"\n    {location['code']}"
        blamed = error.get("wrong_shape")
        if blamed:
            return self._wrong_shape(blamed)
        if kind == "NotImplementedError":
            text = f"Not implemented yet: NotImplementedError raised{where}."
        elif kind == "ImportError" or kind == "ModuleNotFoundError" or kind == "SyntaxError":
            text = f"Your code could not be imported: {kind}: {message}{where}"
        else:
            text = f"Your code raised {kind}: {message}{where}"
        if kind in HINTS:                                   # errors with a usual cause
            text += f"\nhint: {HINTS[kind]}"
        return StudentCodeError(text, kind=kind, function=function, part=part, where=place)

    def _wrong_shape(self, blamed: dict) -> StudentCodeError:
        """A backward returned a gradient whose shape is not its input's: name that backward
        (not the given AccumulateGrad that noticed) and say which way the shape is off."""
        function = blamed["function"]
        part = self.function_parts.get(function, "")
        place = f"{blamed['file']}:{blamed['line']}" if blamed.get("file") else ""
        where = ", ".join(item for item in (place, f"Part {part}" if part else "") if item)
        got, expected = tuple(blamed["grad_shape"]), tuple(blamed["input_shape"])
        text = (f"{function}{f' ({where})' if where else ''} returned a gradient of shape "
                f"{got} for an input of shape {expected}: backward returns, for each input, a "
                f"gradient of that input's shape.\nhint: {shape_mismatch(got, expected)}")
        return StudentCodeError(text, kind="ValueError", function=function, part=part,
                                where=place)

    def __enter__(self) -> "StudentProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _echo(chunk: bytes) -> None:
    """Write the student's bytes to the grader's stderr unchanged."""
    stream = getattr(sys.stderr, "buffer", None)
    try:
        if stream is not None:
            stream.write(chunk)
        else:
            sys.stderr.write(chunk.decode("utf-8", "replace"))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _exit_reason(status: Optional[int], error: BaseException) -> str:
    if status is None:
        return f"{type(error).__name__}: {error}"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        hint = " - often running out of memory" if name == "SIGKILL" else ""
        return f"killed by signal {name}{hint}"
    return f"exit code {status}"
