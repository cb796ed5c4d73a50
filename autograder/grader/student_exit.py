"""Why the student process stopped answering, and whose fault that was (grader process).

Most stops are the student's code: it exited, crashed, or went over a limit of the grader
(memory, CPU time, file size), and the check that ran it fails with the reason. A process that
dies before it says it is ready (before any student code runs: a broken installation, a
library replaced while it was loading), or is killed by a signal that none of its limits sends
(SIGKILL from outside: another program, the machine running out of memory), did not fail
because of the student's code: that becomes a ``GraderFault``, listed in ``FAULTS`` for a
batch to retry the submission.
"""
from __future__ import annotations

import resource
import signal
from typing import List, Optional

from autograder.grader import confinement
from autograder.grader.student_errors import StudentCodeError


class GraderFault(StudentCodeError):
    """The student process was killed by something other than its own limits."""


FAULTS: List[str] = []        # every GraderFault of this run, in order
# Signals that no limit of the worker sends, so they come from outside (except SIGKILL at
# the CPU-time limit, told apart by the CPU time used).
OUTSIDE_SIGNALS = {signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def stopped_error(status: Optional[int], usage: Optional[resource.struct_rusage],
                  error: BaseException, ready: bool, memory_mb: int,
                  output: str) -> StudentCodeError:
    """The error for a process that stopped answering with ``error``: its exit ``status``
    (None if unknown), its resource ``usage``, whether it had said it was ``ready``, its
    ``memory_mb`` limit and the last ``output`` of the student's code."""
    reason = _exit_reason(status, error)
    if status == confinement.OVER_MEMORY_EXIT:
        return StudentCodeError(
            f"Your code's processes used more than {memory_mb} MB of memory together, "
            "so they were stopped (arrays far larger than the task needs, or processes "
            "that each hold a copy?).")
    fault = ""
    if not ready:
        fault = (f"The process that runs your code ended before running any of it ({reason})"
                 ": a problem of the grader's installation, not of your code.")
    elif status is not None and -status in OUTSIDE_SIGNALS and not _hit_cpu_limit(usage):
        fault = (f"The process running your code was killed from outside ({reason}), not "
                 "by a limit of the grader (another program, or the machine ran out of "
                 "memory).")
    if fault:
        return grader_fault(fault)
    return StudentCodeError(f"The process running your code stopped unexpectedly ({reason})."
                            + (f"\nLast output of your code:\n{output}" if output else ""))


def grader_fault(fault: str) -> GraderFault:
    """A failure of the grader's own, not of the student's code: recorded in FAULTS."""
    fault += " If grading again gives the same, tell the course staff."
    FAULTS.append(fault)
    return GraderFault(fault)


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
