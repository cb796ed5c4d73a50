"""The grader's handle on the student process (``autograder.worker``).

``StudentProcess.run(probe, **args)`` sends one request and waits for the reply, at most the
time the running test has left (budget.py). A probe that raises, hangs, or kills the process
becomes a ``StudentCodeError`` with a readable message. A process that timed out, died, or
whose call was interrupted (pytest's own timeout, Ctrl-C) is killed and a fresh one serves the
next call, so one broken function only fails the checks that use it.

A process that dies before it says it is ready (before any student code runs: a broken
installation, a library replaced while it was loading), or is killed by a signal that none of
its limits sends (SIGKILL from outside: another program, the machine running out of memory),
did not fail because of the student's code: that becomes a ``GraderFault``, listed in
``FAULTS`` for a batch to retry the submission.
"""
from __future__ import annotations

import collections
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, List, Optional

from autograder.common import wire
from autograder.common.printable import printable
from autograder.common.paths import WORKER_DIR
from autograder.grader import budget, confinement, student_env
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


class GraderFault(StudentCodeError):
    """The student process was killed by something other than its own limits."""


FAULTS: List[str] = []        # every GraderFault of this run, in order
# Signals that no limit of the worker sends, so they come from outside (except SIGKILL at
# the CPU-time limit, told apart by the CPU time used).
OUTSIDE_SIGNALS = {signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


class StudentProcess:
    """A long-lived worker importing the target's mytorch, restarted after a failure.

    Limits come from the environment so that batch grading can tighten them:
    AUTOGRADER_MEMORY_MB (default 4096), AUTOGRADER_FILE_MB (64),
    AUTOGRADER_MAX_PROCESSES (0: no limit), AUTOGRADER_RUN_AS_UID (run as that uid when root),
    AUTOGRADER_CALL_TIMEOUT (seconds of student code per test: rubric.toml [time]),
    AUTOGRADER_CONFINE (namespaces of its own: auto, require or off; see confinement.py; its
    environment: student_env.py), AUTOGRADER_HANDIN (copy: a batch's or a platform's hand-in
    is graded as a copy in memory, confinement.py). Two more for the platform bundles:
    AUTOGRADER_DEADLINE (one deadline for the whole run, shared out over the checks: see
    budget.py) and AUTOGRADER_WORKER_DIR (a copy of autograder/worker/ the student's uid can
    read, when the grader's own source is unreadable to it).
    """

    def __init__(self, target: Path, function_parts: Optional[dict] = None) -> None:
        self.target = Path(target).resolve()
        self.function_parts = function_parts or {}
        self.process: Optional[subprocess.Popen] = None
        self.ready = False
        self.stderr_tail: collections.deque = collections.deque(maxlen=40)
        self.live_output = False    # forward the student's stderr to ours (progress bars)
        self.shown = 0              # bytes forwarded during this call

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Start the process now rather than at the first call, so that its start-up (Python,
        numpy, the namespaces) overlaps with the grader's own (PyTorch, collecting tests)."""
        if self.process is None:
            self._start()

    def _start(self) -> None:
        worker = os.environ.get("AUTOGRADER_WORKER_DIR") or str(WORKER_DIR)
        command = [sys.executable, "-X", "faulthandler", worker, "--target", str(self.target),
                   "--memory-mb", str(memory_mb()),
                   "--file-mb", os.environ.get("AUTOGRADER_FILE_MB", "64"),
                   "--max-processes", os.environ.get("AUTOGRADER_MAX_PROCESSES", "0")]
        extra = {}
        uid = os.environ.get("AUTOGRADER_RUN_AS_UID")
        if uid and os.geteuid() == 0:
            extra = {"user": int(uid), "group": int(uid), "extra_groups": []}
        confine = confinement.prefix(self.target, Path(worker), memory_mb(), **extra)
        env = student_env.student_env(confined=bool(confine))
        command = confine + command
        self.stderr_tail.clear()
        self.ready = False                  # until the worker's first message, {"ready": True}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=self.target, env=env,
                                        start_new_session=True, **extra)
        threading.Thread(target=self._drain_stderr, args=(self.process,), daemon=True).start()

    def _drain_stderr(self, process: subprocess.Popen) -> None:
        """Keep the last lines of the student's stderr for crash reports; during a call with
        ``live_output`` also copy it to the grader's stderr as it arrives (chunks, not lines,
        so that a progress bar redrawn with carriage returns moves)."""
        partial = ""
        allowed = int(confinement.limits()["output_kb"]) * 1024
        for chunk in iter(lambda: process.stderr.read1(1 << 16), b""):
            if self.live_output:
                self.shown += len(chunk)
                if self.shown <= allowed:
                    _echo(chunk)
                elif self.shown - len(chunk) <= allowed:
                    _echo(f"\n[the rest of this output is not shown: over {allowed // 1024} KiB "
                          "(rubric.toml [isolation] output_kb)]\n".encode())
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

    def _reap(self, seconds: float = 2.0) -> Optional[resource.struct_rusage]:
        """Wait up to ``seconds`` for the process to end; its resource usage (None if it did
        not end, or was already reaped)."""
        deadline = time.monotonic() + seconds
        while self.process.returncode is None:
            try:
                pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                return usage
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)
        return None

    # ------------------------------------------------------------------ requests
    def run(self, probe: str, timeout: Optional[float] = None, live_output: bool = False,
            meanwhile: Optional[Callable[[], None]] = None, **args: Any) -> Any:
        """Run ``probes.<probe>(**args)`` in the student process and return its result.

        The call may take what the running test has left of its seconds (``budget.limit``);
        ``timeout`` caps it further and is required outside a test. ``live_output`` shows what
        the student process writes to stderr while the call runs (a progress bar).
        ``meanwhile``: grader work that needs nothing from this call, done while the student
        process works on it (a long call: Part 3's training).
        """
        # What the test has left (under AUTOGRADER_DEADLINE, at most the check's share); none
        # left (an earlier call hung): fail now rather than wait again.
        timeout = budget.limit(timeout)
        if timeout <= 0:
            raise StudentCodeError(budget.OUT_OF_TIME)
        if self.process is not None and self.process.poll() is not None:
            self.close()                    # ended between calls: start afresh
        if self.process is None:
            self._start()
        # A crash report quotes only this call's output: an earlier call may have been a
        # hidden test, whose inputs the student's code could have printed.
        self.stderr_tail.clear()
        self.live_output, self.shown = live_output, 0
        try:
            self.process.stdin.write(wire.encode({"probe": probe, "args": args}))
            self.process.stdin.flush()
            deadline = time.monotonic() + timeout
            if meanwhile is not None:
                meanwhile()
            if not self.ready:
                self.ready = self._read_reply(deadline) == {"ready": True}
            reply = self._read_reply(deadline)
        except subprocess.TimeoutExpired:
            self.close()
            raise StudentCodeError(
                f"Your code did not finish within {_seconds(timeout)} s (an infinite loop, or a "
                "Python loop over array elements where numpy would do it at once?).") from None
        except (EOFError, BrokenPipeError, wire.WireError) as error:
            raise self._stopped(error) from None
        except BaseException:
            self.close()                    # interrupted: the process may still be running
            raise
        finally:
            if live_output:
                time.sleep(0.2)     # let the drain thread pass on the bar's last redraw
            self.live_output = False
        if "error" in reply:
            raise self._error(reply["error"])
        return reply.get("ok")

    def _stopped(self, error: BaseException) -> StudentCodeError:
        """The error for a process that stopped answering; a GraderFault when it was killed
        from outside."""
        # A closed pipe comes a moment before the exit status (a confined worker's launcher
        # passes its status on after it): wait for the status before judging.
        usage = self._reap()
        status = self.process.poll()
        tail = "\n".join(list(self.stderr_tail)[-12:])
        self.close()
        reason = _exit_reason(status, error)
        if status == confinement.OVER_MEMORY_EXIT:
            return StudentCodeError(
                f"Your code's processes used more than {memory_mb()} MB of memory together, "
                "so they were stopped (arrays far larger than the task needs, or processes "
                "that each hold a copy?).")
        fault = ""
        if not self.ready:
            fault = (f"The process that runs your code ended before running any of it ({reason})"
                     ": a problem of the grader's installation, not of your code.")
        elif status is not None and -status in OUTSIDE_SIGNALS and not _hit_cpu_limit(usage):
            fault = (f"The process running your code was killed from outside ({reason}), not "
                     "by a limit of the grader (another program, or the machine ran out of "
                     "memory).")
        if fault:
            fault += " If grading again gives the same, tell the course staff."
            FAULTS.append(fault)
            return GraderFault(fault)
        return StudentCodeError(f"The process running your code stopped unexpectedly ({reason})."
                                + (f"\nLast output of your code:\n{tail}" if tail else ""))

    def _read_reply(self, deadline: float) -> Any:
        """The next message from the worker, by ``deadline`` (time.monotonic())."""
        fd = self.process.stdout.fileno()
        buffer = bytearray()
        needed = 8
        while len(buffer) < needed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired("probe", deadline)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, needed - len(buffer))      # this message only, never the next
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
    """Write the student's bytes to the grader's stderr: unchanged on a terminal (a progress
    bar redraws itself), with control characters made visible in a log or a pipe."""
    stream = getattr(sys.stderr, "buffer", None)
    try:
        if not sys.stderr.isatty():
            chunk = printable(chunk.decode("utf-8", "replace")).encode("utf-8")
        if stream is not None:
            stream.write(chunk)
        else:
            sys.stderr.write(chunk.decode("utf-8", "replace"))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def memory_mb() -> int:
    """The memory of the student's code: each process's address space and, where it has
    namespaces of its own, all its processes together (AUTOGRADER_MEMORY_MB)."""
    return int(os.environ.get("AUTOGRADER_MEMORY_MB", "4096"))


def _seconds(value: float) -> str:
    """A time limit as a student reads it: 2 (not 1.9973), 1.5, 16."""
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _hit_cpu_limit(usage: Optional[resource.struct_rusage]) -> bool:
    """Did the process use its CPU-time limit (inherited from the grader) up?"""
    limit = resource.getrlimit(resource.RLIMIT_CPU)[1]
    return (usage is not None and limit != resource.RLIM_INFINITY
            and usage.ru_utime + usage.ru_stime >= limit - 1)     # rlimits count whole seconds


def _exit_reason(status: Optional[int], error: BaseException) -> str:
    if status is None:
        return f"{type(error).__name__}: {error}"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        return f"killed by signal {name}"
    return f"exit code {status}"
