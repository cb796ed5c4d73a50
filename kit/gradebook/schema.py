"""The gradebook's SQLite schema (version 2), and opening a file: a new one is created, a
schema-1 file is migrated (after a copy is saved beside it), anything else is refused.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Dict, List

from kit.gradebook.records import GradebookError

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    attempt_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id  TEXT NOT NULL,
    attempt        INTEGER NOT NULL,
    archive_name   TEXT NOT NULL,
    archive_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    parts_graded   TEXT NOT NULL,
    grading_status TEXT NOT NULL,
    reason         TEXT NOT NULL,
    points         REAL NOT NULL,
    max_points     REAL NOT NULL,
    duration       REAL NOT NULL,
    graded_at      TEXT NOT NULL,
    UNIQUE (submission_id, attempt)
);
CREATE TABLE IF NOT EXISTS results (
    attempt_id     INTEGER NOT NULL REFERENCES attempts(attempt_id),
    submission_id  TEXT NOT NULL,
    part           TEXT NOT NULL,
    part_name      TEXT NOT NULL,
    points         REAL NOT NULL,
    max_points     REAL NOT NULL,
    feedback       TEXT NOT NULL,
    duration       REAL NOT NULL,
    archive_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    graded_at      TEXT NOT NULL,
    PRIMARY KEY (attempt_id, part)
);
CREATE TABLE IF NOT EXISTS checks (
    attempt_id     INTEGER NOT NULL REFERENCES attempts(attempt_id),
    submission_id  TEXT NOT NULL,
    part           TEXT NOT NULL,
    check_name     TEXT NOT NULL,
    points         REAL NOT NULL,
    max_points     REAL NOT NULL,
    passed         INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, part, check_name)
);
CREATE TABLE IF NOT EXISTS handins (
    submission_id  TEXT NOT NULL,
    archive_sha256 TEXT NOT NULL,
    archive_name   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    time_source    TEXT NOT NULL,
    PRIMARY KEY (submission_id, archive_sha256)
);
CREATE TABLE IF NOT EXISTS roster (
    student_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
    section TEXT NOT NULL, login TEXT NOT NULL, canvas_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS extensions (
    student_id TEXT PRIMARY KEY, days REAL NOT NULL, due TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS final_grades (
    student_id TEXT PRIMARY KEY, grading_status TEXT NOT NULL, on_roster INTEGER NOT NULL,
    attempt INTEGER NOT NULL, submitted_at TEXT NOT NULL, due TEXT NOT NULL,
    late_days REAL NOT NULL, raw_points REAL NOT NULL, penalty_fraction REAL NOT NULL,
    penalty_points REAL NOT NULL, final_points REAL NOT NULL, max_points REAL NOT NULL,
    exported_at TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS submissions AS
    SELECT submission_id, archive_sha256, grader_version, grading_status, reason, points,
           max_points, duration, graded_at, attempt
    FROM attempts AS a
    WHERE attempt = (SELECT MAX(attempt) FROM attempts WHERE submission_id = a.submission_id);
"""
V1_COLUMNS = {
    "submissions": ["submission_id", "archive_sha256", "grader_version", "grading_status",
                    "reason", "points", "max_points", "duration", "graded_at"],
    "results": ["submission_id", "part", "part_name", "points", "max_points", "feedback",
                "duration", "archive_sha256", "grader_version", "graded_at"],
}


def open_database(path: Path) -> sqlite3.Connection:
    """A connection to the gradebook at ``path``, created or migrated to this schema."""
    existed = path.exists() and path.stat().st_size > 0
    try:
        db = sqlite3.connect(path)
        tables = _tables(db)
    except sqlite3.DatabaseError as error:
        raise GradebookError(f"{path} is not an SQLite gradebook ({error}); move it "
                             "away or choose another --out") from None
    if existed and tables:
        db = _check_or_migrate(db, path, tables)
    db.executescript(SCHEMA)
    with db:
        db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                   (str(SCHEMA_VERSION),))
    return db


def _tables(db: sqlite3.Connection) -> Dict[str, str]:
    return dict(db.execute("SELECT name, type FROM sqlite_master "
                                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"))

def _columns(db: sqlite3.Connection, table: str) -> List[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]

def _check_or_migrate(db: sqlite3.Connection, path: Path,
                      tables: Dict[str, str]) -> sqlite3.Connection:
    """The connection to use: ``db`` as it is, or a new one after migrating schema 1."""
    if "meta" in tables:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and row[0].isdigit() else 0
        if version == SCHEMA_VERSION:
            return db
        raise GradebookError(
            f"{path} has gradebook schema {version or 'unknown'}, and this kit reads "
            f"schema {SCHEMA_VERSION} (and migrates schema 1). Use the kit that wrote it, "
            "or move the file away and grade again.")
    if tables.get("submissions") == "table" and all(
            _columns(db, t) == columns for t, columns in V1_COLUMNS.items()):
        return _migrate_v1(db, path)
    raise GradebookError(f"{path} is an SQLite file but not a MyTorch gradebook "
                         f"(tables: {', '.join(sorted(tables)) or 'none'}); move it away or "
                         "choose another --out")

def _migrate_v1(db: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """Schema 1 (one row per student) -> 2: each row becomes attempt 1; a copy is kept."""
    db.close()
    backup = path.with_name(path.name + ".schema1-backup")
    shutil.copy2(path, backup)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.execute("ALTER TABLE submissions RENAME TO v1_submissions")
        db.execute("ALTER TABLE results RENAME TO v1_results")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(
            "INSERT INTO attempts (submission_id, attempt, archive_name, archive_sha256, "
            "grader_version, parts_graded, grading_status, reason, points, max_points, "
            "duration, graded_at) SELECT s.submission_id, 1, s.submission_id || '.tar', "
            "s.archive_sha256, s.grader_version, COALESCE((SELECT group_concat(part, ',') "
            "FROM v1_results r WHERE r.submission_id = s.submission_id), ''), "
            "s.grading_status, s.reason, s.points, s.max_points, s.duration, s.graded_at "
            "FROM v1_submissions s ORDER BY s.rowid")
        db.execute(
            "INSERT INTO results SELECT a.attempt_id, r.submission_id, r.part, r.part_name, "
            "r.points, r.max_points, r.feedback, r.duration, r.archive_sha256, "
            "r.grader_version, r.graded_at FROM v1_results r JOIN attempts a "
            "ON a.submission_id = r.submission_id ORDER BY r.rowid")
        db.execute(
            "INSERT INTO handins SELECT submission_id, archive_sha256, archive_name, '', "
            "'unknown' FROM attempts")
        db.execute("DROP TABLE v1_results")
        db.execute("DROP TABLE v1_submissions")
        db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        db.execute("INSERT INTO meta VALUES ('migrated_from', '1')")
        db.execute("COMMIT")
    except sqlite3.Error as error:
        db.execute("ROLLBACK")
        raise GradebookError(f"could not migrate {path} from schema 1 ({error}); the "
                             "file is unchanged") from None
    db.close()
    return sqlite3.connect(path)
