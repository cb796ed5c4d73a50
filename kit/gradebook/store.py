"""The gradebook: every grading result of a batch, in one SQLite file (OUT_DIR/gradebook.sqlite).

Two tables. ``submissions``: one row per student with the archive's sha256, the grader
version, the grading status (ok / timeout / bad_archive / violation / grader_error) and its
reason. ``results``: one row per student and part with points, maximum, feedback and duration.
A submission's rows are written in one transaction when it finishes, so a crash or Ctrl-C
loses at most the submissions still running, and a re-run skips what is already recorded for
the same archive and grader version.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    submission_id  TEXT PRIMARY KEY,
    archive_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    grading_status TEXT NOT NULL,
    reason         TEXT NOT NULL,
    points         REAL NOT NULL,
    max_points     REAL NOT NULL,
    duration       REAL NOT NULL,
    graded_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    submission_id  TEXT NOT NULL REFERENCES submissions(submission_id),
    part           TEXT NOT NULL,
    part_name      TEXT NOT NULL,
    points         REAL NOT NULL,
    max_points     REAL NOT NULL,
    feedback       TEXT NOT NULL,
    duration       REAL NOT NULL,
    archive_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    graded_at      TEXT NOT NULL,
    PRIMARY KEY (submission_id, part)
);
"""
STATUSES = ("ok", "timeout", "bad_archive", "violation", "grader_error")


@dataclass
class PartResult:
    part: str
    name: str
    points: float
    max_points: float
    feedback: str = ""
    duration: float = 0.0


@dataclass
class Graded:
    """The outcome of grading one submission."""
    submission_id: str
    archive_sha256: str
    grader_version: str
    status: str
    reason: str
    parts: List[PartResult] = field(default_factory=list)
    duration: float = 0.0
    graded_at: str = ""

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)


class Gradebook:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def is_current(self, submission_id: str, sha256: str, version: str) -> bool:
        row = self.db.execute("SELECT archive_sha256, grader_version FROM submissions "
                              "WHERE submission_id = ?", (submission_id,)).fetchone()
        return row == (sha256, version)

    def record(self, graded: Graded) -> None:
        """Replace the submission's rows, all in one transaction."""
        assert graded.status in STATUSES, graded.status
        with self.db:
            self.db.execute("DELETE FROM results WHERE submission_id = ?", (graded.submission_id,))
            self.db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (graded.submission_id, graded.archive_sha256, graded.grader_version, graded.status,
                 graded.reason, graded.points, graded.max_points, round(graded.duration, 3),
                 graded.graded_at))
            self.db.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(graded.submission_id, p.part, p.name, p.points, p.max_points, p.feedback,
                  round(p.duration, 3), graded.archive_sha256, graded.grader_version,
                  graded.graded_at) for p in graded.parts])

    def load(self, submission_id: str) -> Optional[Graded]:
        row = self.db.execute("SELECT * FROM submissions WHERE submission_id = ?",
                              (submission_id,)).fetchone()
        if row is None:
            return None
        graded = Graded(row[0], row[1], row[2], row[3], row[4], duration=row[7], graded_at=row[8])
        graded.parts = [PartResult(*r) for r in self.db.execute(
            "SELECT part, part_name, points, max_points, feedback, duration FROM results "
            "WHERE submission_id = ? ORDER BY rowid", (submission_id,))]
        return graded

    def load_all(self, submission_ids: List[str]) -> Dict[str, Graded]:
        found = {}
        for submission_id in submission_ids:
            graded = self.load(submission_id)
            if graded is not None:
                found[submission_id] = graded
        return found
