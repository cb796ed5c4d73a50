"""The grader's handle on the student process (``autograder.worker``).

``StudentProcess.run(probe, **args)`` sends one request and waits for the reply, at most the
time the running test has left (budget.py). A probe that raises, hangs, or kills the process
becomes a ``StudentCodeError`` with a readable message. A process that timed out, died, or
whose call was interrupted (pytest's own timeout, Ctrl-C) is killed and a fresh one serves the
next call, so one broken function only fails the checks that use it.

What the student's code raised becomes a message in student_errors.py; why a process stopped,
and whether that was the student's code or a ``GraderFault``, is decided in student_exit.py;
the process's stderr is read by student_output.py.
"""
from __future__ import annotations

import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from autograder.common import wire
from autograder.common.paths import WORKER_DIR
from autograder.grader import (budget, confinement, process_limits, student_env,
                               student_errors, student_exit)
from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_output import StudentOutput


class StudentProcess:
    """A long-lived worker importing the target's mytorch, restarted after a failure.

    Limits come from the environment so that a batch and the platforms can tighten them:
    AUTOGRADER_MEMORY_MB, AUTOGRADER_FILE_MB, AUTOGRADER_MAX_PROCESSES (unset: rubric.toml
    [limits] local; process_limits.py), AUTOGRADER_RUN_AS_UID (run as that uid when root),
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
        self.output = StudentOutput()

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Start the process now rather than at the first call, so that its start-up (Python,
        numpy, the namespaces) overlaps with the grader's own (PyTorch, collecting tests)."""
        if self.process is None:
            self._start()

    def _start(self) -> None:
        worker = os.environ.get("AUTOGRADER_WORKER_DIR") or str(WORKER_DIR)
        limits = process_limits.current()
        command = [sys.executable, "-X", "faulthandler", worker, "--target", str(self.target),
                   "--memory-mb", str(limits.memory_mb), "--file-mb", str(limits.file_mb),
                   "--max-processes", str(limits.max_processes)]
        extra = {}
        uid = os.environ.get("AUTOGRADER_RUN_AS_UID")
        if uid and os.geteuid() == 0:
            extra = {"user": int(uid), "group": int(uid), "extra_groups": []}
        confine = confinement.prefix(self.target, Path(worker), limits.memory_mb, **extra)
        env = student_env.student_env(confined=bool(confine))
        command = confine + command
        self.ready = False                  # until the worker's first message, {"ready": True}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=self.target, env=env,
                                        start_new_session=True, **extra)
        self.output.follow(self.process)

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
        self.output.begin_call(live_output)
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
            self.output.end_call()
        if "error" in reply:
            raise student_errors.from_reply(reply["error"], self.function_parts)
        return reply.get("ok")

    def _stopped(self, error: BaseException) -> StudentCodeError:
        """The error for a process that stopped answering; a GraderFault when it was killed
        from outside."""
        # A closed pipe comes a moment before the exit status (a confined worker's launcher
        # passes its status on after it): wait for the status before judging.
        usage = self._reap()
        status = self.process.poll()
        output = self.output.last_lines(12)
        self.close()
        return student_exit.stopped_error(status, usage, error, ready=self.ready,
                                          memory_mb=process_limits.current().memory_mb,
                                          output=output)

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

    def __enter__(self) -> "StudentProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _seconds(value: float) -> str:
    """A time limit as a student reads it: 2 (not 1.9973), 1.5, 16."""
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"
