"""What a gradebook holds, as plain records: an attempt (``Graded``) with its parts and checks,
a hand-in's submission time, a roster student, and the grading statuses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

STATUSES = ("ok", "timeout", "bad_archive", "violation", "grader_error")
# When a student's parts come from several attempts, the worst status of those attempts shows.
SEVERITY = {"violation": 5, "bad_archive": 4, "grader_error": 3, "timeout": 2, "ok": 1}
class GradebookError(Exception):
    """The file is not a gradebook this kit can use; the message says why and what to do."""


@dataclass
class CheckOutcome:
    check: str
    points: float
    max_points: float
    passed: bool


@dataclass
class PartResult:
    part: str
    name: str
    points: float
    max_points: float
    feedback: str = ""
    duration: float = 0.0
    checks: List[CheckOutcome] = field(default_factory=list)


@dataclass
class Graded:
    """The outcome of grading one submission (an attempt), or a student's current grade."""
    submission_id: str
    archive_sha256: str
    grader_version: str
    status: str
    reason: str
    parts: List[PartResult] = field(default_factory=list)
    duration: float = 0.0
    graded_at: str = ""
    archive_name: str = ""
    attempt: int = 0

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)


@dataclass
class Handin:
    submission_id: str
    archive_sha256: str
    archive_name: str
    submitted_at: str               # ISO 8601 with offset, or ""
    time_source: str                # "manifest" or "mtime"


@dataclass
class Student:
    student_id: str
    name: str = ""
    email: str = ""
    section: str = ""
    login: str = ""
    canvas_id: str = ""
