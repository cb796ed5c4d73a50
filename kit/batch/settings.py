"""The settings of one batch (``python -m kit grade-batch`` options), shared by all its jobs."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from autograder.grader import process_limits
from autograder.grader.rubric import Part, Rubric
from kit.intake import archive

STUDENT_LIMITS = process_limits.for_way("batch")     # rubric.toml [limits]: the defaults


@dataclass
class Settings:
    parts: List[Part]
    jobs: int = 2
    hidden: bool = False
    regrade: bool = False
    timeout: float = 600.0             # seconds of student code per submission (its deadline)
    call_timeout: Optional[float] = None   # per test (AUTOGRADER_CALL_TIMEOUT); None: the rubric's
    memory_mb: int = STUDENT_LIMITS.memory_mb
    file_mb: int = STUDENT_LIMITS.file_mb
    max_processes: int = STUDENT_LIMITS.max_processes
    uid_base: int = 64000              # slot uids are leased from here up (kit/isolation/uids.py)
    limits: archive.Limits = field(default_factory=archive.Limits)
    shared: Optional[Path] = None      # per-batch read-only copies of SHARED_DIRECTORIES
    progress: bool = True
    unsafe_no_isolation: bool = False  # grade without root and without namespaces
    confine: str = "auto"              # AUTOGRADER_CONFINE of the graders (check_isolation)
    stop: threading.Event = field(default_factory=threading.Event)   # set on Ctrl-C

    @property
    def student_limits(self) -> process_limits.ProcessLimits:
        """The limits of the student's code, as the options set them."""
        return process_limits.ProcessLimits(self.memory_mb, self.file_mb, self.max_processes)

    @property
    def wall_seconds(self) -> float:
        """When the batch stops a grader: ``timeout`` for the student's code plus the grader's
        own share (rubric.toml [time] grader)."""
        return self.timeout + float(Rubric().time["grader"])


class Interrupted(Exception):
    """The batch is stopping: this submission's result is incomplete and must not be stored."""
