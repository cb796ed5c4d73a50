"""The course around a batch: the roster, submission times, the due date, extensions and the
late policy, and from them each student's final grade.

File formats (UTF-8 CSV with a header row; extra columns are ignored):

- roster: ``id,name,email,section`` (names configurable; optional ``login`` and ``canvas_id``
  for the Canvas export's SIS Login ID and ID columns).
- manifest (the platform's submission times): ``id,submitted_at`` or ``file,submitted_at``
  (``file`` is the archive's file name in SUBMISSIONS_DIR). Without a manifest entry, a
  hand-in's time is its file's modification time.
- extensions: ``id,days`` (extra days, fractions allowed) and/or ``id,due`` (a new deadline).
- times are ISO 8601 (``2025-03-01T23:59:00-05:00``, ``2025-03-01 23:59``, ``...Z``); a time
  without an offset is in the grading machine's local time zone.

Late policy (``[late]`` in autograder/rubric.toml): a hand-in later than its deadline by at
most ``grace_hours`` (+ ``grace_days``) is on time; otherwise every started day after the
deadline costs ``penalty_per_day`` (a fraction of the raw score), and a hand-in more than
``cutoff_days`` late scores 0.
"""
from __future__ import annotations

import csv
import datetime
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from autograder.common.compat import tomllib
from autograder.common.paths import RUBRIC_FILE
from kit.gradebook.records import Graded, Student
from kit.gradebook.store import Gradebook

DAY = 86400.0


class CourseError(Exception):
    """A course file (roster, manifest, extensions) or option cannot be used; says why."""


def parse_time(text: str) -> datetime.datetime:
    """An aware datetime from ISO 8601 text (no offset: the local time zone)."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseError(f"not an ISO 8601 time: {text!r} (e.g. 2025-03-01T23:59:00-05:00)") from None
    return moment if moment.tzinfo else moment.astimezone()


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def mtime_of(path: Path) -> str:
    return iso(datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc))


@dataclass
class LatePolicy:
    penalty_per_day: float = 0.0
    grace_hours: float = 0.0
    cutoff_days: Optional[float] = None

    @classmethod
    def from_rubric(cls, path: Path = RUBRIC_FILE) -> "LatePolicy":
        with open(path, "rb") as handle:
            late = tomllib.load(handle).get("late", {})
        unknown = set(late) - {"penalty_per_day", "grace_hours", "grace_days", "cutoff_days"}
        if unknown:
            raise CourseError(f"unknown keys in [late] of {path.name}: {', '.join(sorted(unknown))}")
        cutoff = late.get("cutoff_days")
        policy = cls(float(late.get("penalty_per_day", 0.0)),
                     float(late.get("grace_hours", 0.0)) + 24 * float(late.get("grace_days", 0.0)),
                     None if cutoff is None else float(cutoff))
        if not 0 <= policy.penalty_per_day <= 1:
            raise CourseError("[late] penalty_per_day is a fraction of the score, in [0, 1]")
        return policy

    def penalty(self, late_seconds: float) -> float:
        """The fraction of the raw score lost by a hand-in ``late_seconds`` after its deadline."""
        if late_seconds <= self.grace_hours * 3600:
            return 0.0
        if self.cutoff_days is not None and late_seconds > self.cutoff_days * DAY:
            return 1.0
        return min(1.0, math.ceil(late_seconds / DAY) * self.penalty_per_day)


def _read_csv(path: Path, what: str) -> Tuple[List[str], List[Dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
            return [c.strip() for c in reader.fieldnames or []], rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CourseError(f"cannot read the {what} {path}: {error}") from None


def _need(columns: List[str], wanted: List[str], what: str, path: Path) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise CourseError(f"the {what} {path} has no column {', '.join(map(repr, missing))} "
                          f"(its columns: {', '.join(columns)})")


@dataclass
class RosterColumns:
    id: str = "id"
    name: str = "name"
    email: str = "email"
    section: str = "section"
    login: str = "login"              # optional
    canvas_id: str = "canvas_id"      # optional


def read_roster(path: Path, columns: RosterColumns = RosterColumns()) -> List[Student]:
    names, rows = _read_csv(path, "roster")
    _need(names, [columns.id, columns.name, columns.email, columns.section], "roster", path)
    students, seen = [], set()
    for number, row in enumerate(rows, start=2):
        student_id = row[columns.id]
        if not student_id:
            raise CourseError(f"{path}:{number}: empty {columns.id!r}")
        if student_id in seen:
            raise CourseError(f"{path}:{number}: student {student_id!r} is listed twice")
        seen.add(student_id)
        students.append(Student(student_id, row[columns.name], row[columns.email],
                                row[columns.section], row.get(columns.login, ""),
                                row.get(columns.canvas_id, "")))
    return students


def read_manifest(path: Path) -> Dict[str, str]:
    """{student id or archive file name: ISO submission time}."""
    names, rows = _read_csv(path, "manifest")
    _need(names, ["submitted_at"], "manifest", path)
    key = "id" if "id" in names else "file"
    _need(names, [key], "manifest", path)
    return {row[key]: iso(parse_time(row["submitted_at"])) for row in rows if row[key]}


def read_extensions(path: Path) -> Dict[str, Tuple[float, str]]:
    """{student id: (extra days, new deadline or "")}."""
    names, rows = _read_csv(path, "extensions file")
    _need(names, ["id"], "extensions file", path)
    if "days" not in names and "due" not in names:
        raise CourseError(f"the extensions file {path} needs a 'days' or a 'due' column")
    found = {}
    for number, row in enumerate(rows, start=2):
        try:
            days = float(row.get("days") or 0)
        except ValueError:
            raise CourseError(f"{path}:{number}: days must be a number, not {row['days']!r}") from None
        due = row.get("due", "")
        found[row["id"]] = (days, iso(parse_time(due)) if due else "")
    return found


@dataclass
class FinalGrade:
    student: Student
    graded: Optional[Graded]          # None: nothing handed in
    on_roster: bool
    status: str
    submitted_at: str
    time_source: str
    due: str
    late_days: float                  # days after the deadline (0 when on time)
    raw: float
    penalty_fraction: float
    max_points: float

    @property
    def penalty_points(self) -> float:
        return round(self.raw * self.penalty_fraction, 6)

    @property
    def final(self) -> float:
        return round(self.raw - self.penalty_points, 6)


def final_grades(book: Gradebook, part_numbers: List[str], max_points: float,
                 policy: LatePolicy) -> List[FinalGrade]:
    """Every student of the roster and every student with a grading, in id order."""
    roster = book.roster()
    graded = book.load_all()
    due_text = book.get_meta("due")
    due = parse_time(due_text) if due_text else None
    extensions = book.extensions()
    grades = []
    for student_id in sorted(set(roster) | set(graded)):
        student = roster.get(student_id, Student(student_id))
        g = graded.get(student_id)
        on_roster = not roster or student_id in roster
        if g is None:
            grades.append(FinalGrade(student, None, on_roster, "missing", "", "", due_text,
                                     0.0, 0.0, 0.0, max_points))
            continue
        raw = sum(r.points for r in g.parts if r.part in part_numbers)
        handin = book.handin(student_id, g.archive_sha256)
        submitted = handin.submitted_at if handin else ""
        deadline = due
        days, new_due = extensions.get(student_id, (0.0, ""))
        if new_due:
            deadline = parse_time(new_due)
        elif deadline is not None:
            deadline += datetime.timedelta(days=days)
        late_days, fraction = 0.0, 0.0
        if deadline is not None and submitted:
            late = (parse_time(submitted) - deadline).total_seconds()
            late_days = round(max(0.0, late) / DAY, 4)
            fraction = policy.penalty(late)
        grades.append(FinalGrade(student, g, on_roster, g.status, submitted,
                                 handin.time_source if handin else "", iso(deadline) if deadline else "",
                                 late_days, raw, fraction, max_points))
    return grades
