"""The settings of one batch (``python -m kit grade-batch`` options), shared by all its jobs."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from autograder.grader.rubric import Part
from kit.intake import archive


@dataclass
class Settings:
    parts: List[Part]
    jobs: int = 2
    hidden: bool = False
    regrade: bool = False
    timeout: float = 600.0             # wall-clock seconds per submission
    call_timeout: float = 30.0         # per call into student code (AUTOGRADER_CALL_TIMEOUT)
    test_timeout: float = 300.0        # per test (pytest-timeout)
    memory_mb: int = 1024
    file_mb: int = 16
    max_processes: int = 64
    uid_base: int = 64000
    limits: archive.Limits = field(default_factory=archive.Limits)
    shared: Optional[Path] = None      # per-batch read-only copies of SHARED_DIRECTORIES
    progress: bool = True
    stop: threading.Event = field(default_factory=threading.Event)   # set on Ctrl-C


class Interrupted(Exception):
    """The batch is stopping: this submission's result is incomplete and must not be stored."""
