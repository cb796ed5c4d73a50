"""The gradebook: every grading of a batch, in one SQLite file (OUT_DIR/gradebook.sqlite).

Nothing is overwritten: each grading of a hand-in is an *attempt* (numbered 1, 2, ... per
student) with its archive's sha256, the grader version, the parts it graded, its status
(ok / timeout / bad_archive / violation / grader_error), reason, time and duration.

Tables (schema 2, ``meta.schema_version``):

- ``attempts``: one row per grading.
- ``results``: one row per attempt and part graded (points, maximum, feedback, duration).
- ``checks``: one row per attempt, part and rubric check (points, passed), for item analysis.
- ``handins``: one row per student and archive sha256: file name and submission time (from
  the manifest, else the file's mtime) and where that time came from.
- ``roster``, ``extensions``: the course's students and deadline extensions (``--roster``,
  ``--extensions``), replaced whenever they are given again; ``meta`` keeps ``due``.
- ``final_grades``: what the last export published (raw score, late penalty, final score).
- ``submissions`` (a view): each student's latest attempt.

A student's *current* grade takes, part by part, the latest result of that part (grading
``--parts 2.3`` then ``--parts 2.6`` keeps both); its status is the worst status among the
attempts it draws from. An attempt's rows are written in one transaction when it finishes,
so a crash or Ctrl-C loses at most the submissions still running, and a re-run skips an
archive whose sha256 the same grader version already graded. A schema-1 file (one row per
student, from before the history was kept) is migrated on opening, after a copy of it is
saved beside it; anything else is refused with a message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from kit.gradebook.records import (SEVERITY, STATUSES, CheckOutcome, Graded, Handin,
                                   PartResult, Student)
from kit.gradebook.schema import open_database

class Gradebook:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_database(self.path)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------------- grading
    def is_current(self, submission_id: str, sha256: str, version: str) -> bool:
        """Whether this grader version's latest grading of the student was of this archive."""
        row = self.db.execute("SELECT archive_sha256 FROM attempts WHERE submission_id = ? "
                              "AND grader_version = ? ORDER BY attempt DESC LIMIT 1",
                              (submission_id, version)).fetchone()
        return row is not None and row[0] == sha256

    def record(self, graded: Graded) -> int:
        """Add the grading as the student's next attempt, in one transaction; its number."""
        assert graded.status in STATUSES, graded.status
        with self.db:
            (last,) = self.db.execute("SELECT COALESCE(MAX(attempt), 0) FROM attempts "
                                      "WHERE submission_id = ?", (graded.submission_id,)).fetchone()
            cursor = self.db.execute(
                "INSERT INTO attempts (submission_id, attempt, archive_name, archive_sha256, "
                "grader_version, parts_graded, grading_status, reason, points, max_points, "
                "duration, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (graded.submission_id, last + 1, graded.archive_name, graded.archive_sha256,
                 graded.grader_version, ",".join(p.part for p in graded.parts), graded.status,
                 graded.reason, graded.points, graded.max_points, round(graded.duration, 3),
                 graded.graded_at))
            attempt_id = cursor.lastrowid
            self.db.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(attempt_id, graded.submission_id, p.part, p.name, p.points, p.max_points,
                  p.feedback, round(p.duration, 3), graded.archive_sha256, graded.grader_version,
                  graded.graded_at) for p in graded.parts])
            self.db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(attempt_id, graded.submission_id, p.part, c.check, c.points, c.max_points,
                  int(c.passed)) for p in graded.parts for c in p.checks])
        graded.attempt = last + 1
        return last + 1

    # ----------------------------------------------------------------------- reading
    def student_ids(self) -> List[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT submission_id FROM attempts ORDER BY submission_id")]

    def attempts(self, submission_id: str) -> List[Graded]:
        """Every grading of the student, oldest first."""
        found = []
        for row in self.db.execute(
                "SELECT attempt_id, submission_id, archive_sha256, grader_version, grading_status, "
                "reason, duration, graded_at, archive_name, attempt FROM attempts "
                "WHERE submission_id = ? ORDER BY attempt", (submission_id,)).fetchall():
            graded = Graded(*row[1:6], duration=row[6], graded_at=row[7], archive_name=row[8],
                            attempt=row[9])
            graded.parts = self._parts_of(row[0])
            found.append(graded)
        return found

    def _parts_of(self, attempt_id: int) -> List[PartResult]:
        checks: Dict[str, List[CheckOutcome]] = {}
        for part, *rest in self.db.execute(
                "SELECT part, check_name, points, max_points, passed FROM checks "
                "WHERE attempt_id = ? ORDER BY rowid", (attempt_id,)):
            checks.setdefault(part, []).append(CheckOutcome(rest[0], rest[1], rest[2], bool(rest[3])))
        return [PartResult(*r, checks=checks.get(r[0], [])) for r in self.db.execute(
            "SELECT part, part_name, points, max_points, feedback, duration FROM results "
            "WHERE attempt_id = ? ORDER BY rowid", (attempt_id,))]

    def load(self, submission_id: str) -> Optional[Graded]:
        """The student's current grade: per part, the latest result of that part."""
        history = self.attempts(submission_id)
        if not history:
            return None
        latest = history[-1]
        parts: Dict[str, PartResult] = {}
        source: Dict[str, Graded] = {}
        for graded in history:
            for result in graded.parts:
                parts[result.part] = result
                source[result.part] = graded
        contributing = [g for g in history if g in source.values()] or [latest]
        worst = max(contributing, key=lambda g: (SEVERITY.get(g.status, 0), g.attempt))
        reasons = []
        for g in contributing:
            if g.reason and g.reason not in reasons:
                reasons.append(g.reason)
        return Graded(submission_id, latest.archive_sha256, latest.grader_version, worst.status,
                      "; ".join(reasons), sorted(parts.values(), key=lambda r: _part_key(r.part)),
                      duration=latest.duration, graded_at=latest.graded_at,
                      archive_name=latest.archive_name, attempt=latest.attempt)

    def load_all(self, submission_ids: Optional[Iterable[str]] = None) -> Dict[str, Graded]:
        """Current grades of the given students (default: everyone in the gradebook)."""
        found = {}
        for submission_id in (self.student_ids() if submission_ids is None else submission_ids):
            graded = self.load(submission_id)
            if graded is not None:
                found[submission_id] = graded
        return found

    def graded_parts(self) -> List[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT part FROM results")]

    # ----------------------------------------------------------- hand-ins and the course
    def record_handins(self, handins: Iterable[Handin]) -> None:
        """Remember each archive's submission time (a manifest's time wins over an mtime)."""
        with self.db:
            for h in handins:
                row = self.db.execute("SELECT time_source FROM handins WHERE submission_id = ? "
                                      "AND archive_sha256 = ?",
                                      (h.submission_id, h.archive_sha256)).fetchone()
                if row is not None and row[0] == "manifest" and h.time_source != "manifest":
                    continue
                self.db.execute("INSERT OR REPLACE INTO handins VALUES (?, ?, ?, ?, ?)",
                                (h.submission_id, h.archive_sha256, h.archive_name,
                                 h.submitted_at, h.time_source))

    def handin(self, submission_id: str, sha256: str) -> Optional[Handin]:
        row = self.db.execute("SELECT * FROM handins WHERE submission_id = ? AND "
                              "archive_sha256 = ?", (submission_id, sha256)).fetchone()
        return Handin(*row) if row else None

    def set_roster(self, students: Iterable[Student]) -> None:
        with self.db:
            self.db.execute("DELETE FROM roster")
            self.db.executemany("INSERT INTO roster VALUES (?, ?, ?, ?, ?, ?)",
                                [(s.student_id, s.name, s.email, s.section, s.login, s.canvas_id)
                                 for s in students])

    def roster(self) -> Dict[str, Student]:
        return {r[0]: Student(*r) for r in self.db.execute("SELECT * FROM roster ORDER BY rowid")}

    def set_extensions(self, extensions: Dict[str, Tuple[float, str]]) -> None:
        with self.db:
            self.db.execute("DELETE FROM extensions")
            self.db.executemany("INSERT INTO extensions VALUES (?, ?, ?)",
                                [(k, days, due) for k, (days, due) in extensions.items()])

    def extensions(self) -> Dict[str, Tuple[float, str]]:
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT * FROM extensions")}

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def set_final_grades(self, rows: List[tuple]) -> None:
        with self.db:
            self.db.execute("DELETE FROM final_grades")
            self.db.executemany("INSERT INTO final_grades VALUES "
                                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _part_key(number: str) -> Tuple:
    return tuple(int(x) if x.isdigit() else x for x in number.split("."))
