"""A course's gradebook: history and regrades, old-schema migration, roster, deadlines, the
Canvas / Gradescope / staff exports and the plots, on real SQLite, CSV and PNG files."""
from __future__ import annotations

import csv
import random
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from autograder.grader.rubric import Rubric
from kit.gradebook import course, exports, plots
from kit.gradebook.records import (CheckOutcome, GradebookError, Graded, Handin, PartResult,
                                   Student)
from kit.gradebook.store import Gradebook
from kit.paths import ROOT

RUBRIC = Rubric()
V1_SCHEMA = """
CREATE TABLE submissions (
    submission_id TEXT PRIMARY KEY, archive_sha256 TEXT NOT NULL, grader_version TEXT NOT NULL,
    grading_status TEXT NOT NULL, reason TEXT NOT NULL, points REAL NOT NULL,
    max_points REAL NOT NULL, duration REAL NOT NULL, graded_at TEXT NOT NULL);
CREATE TABLE results (
    submission_id TEXT NOT NULL REFERENCES submissions(submission_id), part TEXT NOT NULL,
    part_name TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
    feedback TEXT NOT NULL, duration REAL NOT NULL, archive_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL, graded_at TEXT NOT NULL, PRIMARY KEY (submission_id, part));
"""


def result(number: str, passed: Dict[str, bool] = None) -> PartResult:
    """A part's result: every check passed unless ``passed`` says otherwise."""
    part = RUBRIC.by_number[number]
    passed = {c: True for c in part.checks} | (passed or {})
    checks = [CheckOutcome(c, p if passed[c] else 0.0, p, passed[c]) for c, p in part.checks.items()]
    return PartResult(number, part.name, sum(c.points for c in checks), part.points,
                      "" if all(passed.values()) else "[x] failed", 0.1, checks)


def graded(student: str, parts: List[PartResult], sha: str = "a" * 64, version: str = "v1",
           status: str = "ok", reason: str = "", when: str = "2025-03-02T10:00:00+00:00") -> Graded:
    return Graded(student, sha, version, status, reason, parts, 1.0, when, f"{student}.tar")


def read_rows(path: Path) -> List[List[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# ---------------------------------------------------------------------- history, regrades
def test_every_grading_is_kept_and_the_latest_result_per_part_counts(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    assert book.record(graded("ann", [result("2.3", {"sgd": False})], version="p23")) == 1
    assert book.record(graded("ann", [result("2.6")], version="p26")) == 2
    current = book.load("ann")
    assert [(r.part, r.points) for r in current.parts] == [("2.3", 0.0), ("2.6", 10.0)]
    assert book.record(graded("ann", [result("2.3")], version="p23")) == 3
    current = book.load("ann")
    assert [(r.part, r.points) for r in current.parts] == [("2.3", 10.0), ("2.6", 10.0)]
    assert current.attempt == 3 and current.points == 20
    history = book.attempts("ann")
    assert [(g.attempt, g.grader_version, g.points) for g in history] == \
        [(1, "p23", 0.0), (2, "p26", 10.0), (3, "p23", 10.0)]
    assert all(g.graded_at.startswith("2025") for g in history)
    # The view of the latest attempt, and resuming by (sha256, grader version).
    assert book.db.execute("SELECT submission_id, attempt FROM submissions").fetchall() == [("ann", 3)]
    assert book.is_current("ann", "a" * 64, "p23") and book.is_current("ann", "a" * 64, "p26")
    assert not book.is_current("ann", "b" * 64, "p23")
    book.record(graded("ann", [result("2.3")], sha="b" * 64, version="p23"))
    assert book.is_current("ann", "b" * 64, "p23") and not book.is_current("ann", "a" * 64, "p23")
    book.close()


def test_the_worst_status_of_the_attempts_used_shows(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    book.record(graded("bo", [result("2.3")], version="p23", status="timeout", reason="slow"))
    book.record(graded("bo", [result("2.6")], version="p26"))
    current = book.load("bo")
    assert (current.status, current.reason) == ("timeout", "slow")
    book.record(graded("bo", [result("2.3")], version="p23"))       # the timeout is superseded
    assert book.load("bo").status == "ok"


def test_schema_1_gradebook_is_migrated(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO submissions VALUES ('cy', 'c0ffee', 'v0', 'ok', '', 15, 20, 3.5, "
               "'2024-11-01T12:00:00+00:00')")
    db.executemany("INSERT INTO results VALUES ('cy', ?, ?, ?, 10, '', 1, 'c0ffee', 'v0', "
                   "'2024-11-01T12:00:00+00:00')", [("2.3", "sgd", 10), ("2.6", "momentum", 5)])
    db.commit()
    db.close()
    book = Gradebook(path)
    assert (tmp_path / "gradebook.sqlite.schema1-backup").is_file()
    current = book.load("cy")
    assert (current.attempt, current.status, current.points, current.archive_sha256) == (1, "ok", 15, "c0ffee")
    assert [(r.part, r.points) for r in current.parts] == [("2.3", 10), ("2.6", 5)]
    assert book.is_current("cy", "c0ffee", "v0")
    assert book.record(graded("cy", [result("2.3")])) == 2
    book.close()
    assert Gradebook(path).load("cy").attempt == 2                   # reopens as schema 2


def test_unknown_files_are_refused_with_a_message(tmp_path):
    newer = tmp_path / "newer.sqlite"
    Gradebook(newer).set_meta("schema_version", "99")
    with pytest.raises(GradebookError, match="schema 99.*reads schema 2"):
        Gradebook(newer)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(GradebookError, match="not a MyTorch gradebook"):
        Gradebook(other)
    text = tmp_path / "text.sqlite"
    text.write_text("student,score\n" * 100)
    with pytest.raises(GradebookError, match="not an SQLite gradebook"):
        Gradebook(text)


# ----------------------------------------------------------------------- late policy
def test_late_policy_from_the_rubric_and_its_arithmetic(tmp_path):
    policy = course.LatePolicy.from_rubric()
    assert policy == course.LatePolicy(0.10, 0.25, 5.0)
    hour = 3600
    assert policy.penalty(-10 * hour) == 0
    assert policy.penalty(0.2 * hour) == 0                            # within the grace
    assert policy.penalty(0.3 * hour) == pytest.approx(0.1)           # a started day
    assert policy.penalty(24 * hour) == pytest.approx(0.1)
    assert policy.penalty(25 * hour) == pytest.approx(0.2)
    assert policy.penalty(5 * 24 * hour) == pytest.approx(0.5)
    assert policy.penalty(5 * 24 * hour + 1) == 1.0                   # past the cut-off
    rubric = tmp_path / "rubric.toml"
    rubric.write_text("[late]\npenalty_per_day = 0.5\ngrace_days = 1\n")
    assert course.LatePolicy.from_rubric(rubric) == course.LatePolicy(0.5, 24.0, None)
    rubric.write_text("[late]\npenalty = 0.5\n")
    with pytest.raises(course.CourseError, match="unknown keys"):
        course.LatePolicy.from_rubric(rubric)


def test_late_policy_does_not_change_the_grader_version(tmp_path):
    from kit.batch.version import without_late_policy
    text = (ROOT / "autograder/rubric.toml").read_bytes()
    assert b"[late]" in text
    stripped = without_late_policy(text)
    assert b"penalty_per_day" not in stripped and b"[[part]]" in stripped
    assert without_late_policy(text.replace(b"penalty_per_day = 0.10", b"penalty_per_day = 0.2")) \
        == stripped


# -------------------------------------------------------- a course: roster and deadlines
def write_csv(path: Path, rows: List[List[str]]) -> Path:
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def course_book(tmp_path):
    """Four graded hand-ins (one not on the roster), a roster of five, a due date, extensions."""
    book = Gradebook(tmp_path / "gradebook.sqlite")
    full = [result(n) for n in ("2.3", "2.6")]
    book.record(graded("s1", full, sha="1" * 64))
    book.record(graded("s2", [result("2.3", {"sgd": False}), result("2.6")], sha="2" * 64))
    book.record(graded("s3", full, sha="3" * 64))
    book.record(graded("stray", full, sha="4" * 64))
    book.record(graded("s5", [PartResult("2.3", "sgd", 0, 10, "x"), PartResult("2.6", "momentum", 0, 10, "x")],
                       sha="5" * 64, status="bad_archive", reason="not a tar archive"))
    times = {"s1": "2025-03-01T23:00:00+00:00",          # on time
             "s2": "2025-03-02T00:10:00+00:00",          # 10 minutes late: within the grace
             "s3": "2025-03-03T12:00:00+00:00",          # 1.5 days late: 2 started days
             "stray": "2025-03-20T00:00:00+00:00",       # 19 days late: past the cut-off
             "s5": "2025-03-01T00:00:00+00:00"}
    book.record_handins([Handin(s, str(i) * 64 if s != "stray" else "4" * 64, f"{s}.tar", t, "manifest")
                         for i, (s, t) in enumerate(times.items(), start=1)])
    roster = write_csv(tmp_path / "roster.csv", [
        ["Student ID", "Full name", "E-mail", "Lab", "login"],
        ["s1", "Ada Lovelace", "ada@uni.edu", "L01", "ada"],
        ["s2", "=HYPERLINK(\"http://evil\",\"click\")", "+bob@uni.edu", "L01", "@bob"],
        ["s3", "Cy Young", "cy@uni.edu", "-L02", "cy"],
        ["s4", "Dee Missing", "dee@uni.edu", "L02", "dee"],
        ["s5", "Eve Broken", "eve@uni.edu", "L02", "eve"]])
    columns = course.RosterColumns(id="Student ID", name="Full name", email="E-mail", section="Lab")
    book.set_roster(course.read_roster(roster, columns))
    book.set_meta("due", "2025-03-02T00:00:00+00:00")
    extensions = write_csv(tmp_path / "extensions.csv", [["id", "days", "due"], ["s3", "1", ""]])
    book.set_extensions(course.read_extensions(extensions))
    yield book
    book.close()


def test_roster_deadlines_and_final_grades(course_book):
    export = exports.Export(course_book)
    grades = {g.student.student_id: g for g in export.grades}
    assert list(grades) == ["s1", "s2", "s3", "s4", "s5", "stray"]
    assert grades["s4"].status == "missing" and grades["s4"].final == 0 and grades["s4"].graded is None
    assert export.not_on_roster == ["stray"]
    assert (grades["s1"].raw, grades["s1"].penalty_fraction, grades["s1"].final) == (20, 0, 20)
    assert (grades["s2"].raw, grades["s2"].penalty_fraction, grades["s2"].final) == (10, 0, 10)
    # s3: 1.5 days late, but one day of extension: 0.5 day late, one started day.
    assert grades["s3"].due == "2025-03-03T00:00:00+00:00"
    assert grades["s3"].late_days == 0.5
    assert (grades["s3"].penalty_fraction, grades["s3"].penalty_points, grades["s3"].final) == (0.1, 2, 18)
    assert (grades["stray"].penalty_fraction, grades["stray"].final) == (1.0, 0)
    assert grades["s5"].status == "bad_archive" and grades["s5"].final == 0
    stored = dict(course_book.db.execute("SELECT student_id, final_points FROM final_grades"))
    assert stored == {"s1": 20, "s2": 10, "s3": 18, "s4": 0, "s5": 0, "stray": 0}


def test_roster_errors_say_what_is_wrong(tmp_path):
    bad = write_csv(tmp_path / "r.csv", [["id", "name", "email"], ["a", "A", "a@x"]])
    with pytest.raises(course.CourseError, match="no column 'section'"):
        course.read_roster(bad)
    twice = write_csv(tmp_path / "t.csv", [["id", "name", "email", "section"], ["a", "A", "", ""],
                                           ["a", "B", "", ""]])
    with pytest.raises(course.CourseError, match="listed twice"):
        course.read_roster(twice)
    with pytest.raises(course.CourseError, match="not an ISO 8601 time"):
        course.parse_time("next friday")


def test_manifest_times_and_file_names(tmp_path):
    manifest = write_csv(tmp_path / "m.csv", [["file", "submitted_at"],
                                              ["ann.zip", "2025-03-01T12:00:00Z"],
                                              ["bo.tar.gz", "2025-03-01 13:00:00+01:00"]])
    times = course.read_manifest(manifest)
    assert times == {"ann.zip": "2025-03-01T12:00:00+00:00", "bo.tar.gz": "2025-03-01T13:00:00+01:00"}
    from kit.batch.run import choose_handins, submission_times
    for name in ("ann.zip", "ann.tar", "bo.tar.gz", "cy.tgz"):
        (tmp_path / name).write_bytes(b"x")
    archives = sorted(tmp_path.glob("*.[tz]*"))
    found = submission_times(archives, times)
    assert found["ann.zip"] == ("2025-03-01T12:00:00+00:00", "manifest")
    assert found["cy.tgz"][1] == "mtime"
    chosen, warnings = choose_handins(archives, {**found, "ann.tar": ("2025-03-01T11:00:00+00:00", "mtime")})
    assert [p.name for p in chosen] == ["ann.zip", "bo.tar.gz", "cy.tgz"]
    assert "ann has 2 hand-ins" in warnings[0] and "grading ann.zip" in warnings[0]


# --------------------------------------------------------------------------- exports
def test_exports_column_by_column(course_book, tmp_path):
    export = exports.Export(course_book)
    out = tmp_path / "exports"
    out.mkdir()
    canvas = read_rows(exports.write_format(out, export, "canvas", "HW1 MyTorch"))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW1 MyTorch"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", "20"]
    body = {row[2]: row for row in canvas[2:]}
    assert body["s1"] == ["Ada Lovelace", "", "s1", "ada", "L01", "20"]
    assert body["s2"] == ["'=HYPERLINK(\"http://evil\",\"click\")", "", "s2", "'@bob", "L01", "10"]
    assert body["s3"] == ["Cy Young", "", "s3", "cy", "'-L02", "18"]
    assert body["s4"] == ["Dee Missing", "", "s4", "dee", "L02", "0"]
    assert body["stray"] == ["stray", "", "stray", "", "", "0"]
    gradescope = read_rows(exports.write_format(out, export, "gradescope"))
    assert gradescope[0] == ["Name", "SID", "Email", "Total Score"]
    assert {row[1]: row for row in gradescope[1:]}["s2"] == \
        ["'=HYPERLINK(\"http://evil\",\"click\")", "s2", "'+bob@uni.edu", "10"]
    assert {row[1]: row[3] for row in gradescope[1:]} == \
        {"s1": "20", "s2": "10", "s3": "18", "s4": "0", "s5": "0", "stray": "0"}
    staff = read_rows(exports.write_format(out, export, "csv"))
    assert staff[0] == exports.STAFF_COLUMNS + ["2.3 sgd", "2.6 momentum"] + exports.STAFF_TAIL
    rows = {row[0]: dict(zip(staff[0], row)) for row in staff[1:]}
    assert rows["s2"]["2.3 sgd"] == "0" and rows["s2"]["2.6 momentum"] == "10"
    assert (rows["s3"]["total"], rows["s3"]["late_days"], rows["s3"]["penalty_fraction"],
            rows["s3"]["penalty_points"], rows["s3"]["final"]) == ("20", "0.5", "0.1", "2", "18")
    assert (rows["s4"]["grading_status"], rows["s4"]["final"], rows["s4"]["on_roster"]) == ("missing", "0", "yes")
    assert (rows["stray"]["on_roster"], rows["stray"]["grading_status"]) == ("no", "ok")
    assert rows["s5"]["reason"] == "not a tar archive"
    assert rows["s1"]["submitted_at"] == "2025-03-01T23:00:00+00:00"
    assert rows["s1"]["time_source"] == "manifest"


def test_formula_cells_are_neutralised():
    assert [exports.cell(v) for v in ["=1+1", "+1", "-1", "@A1", "\tx", "ok", "a=b", 3.0, -2.5]] \
        == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "ok", "a=b", "3", "-2.5"]
    for spaced in (" =1+1", "\n=1+1", "\t =1+1", " \n @A1", "\xa0-1"):
        assert exports.cell(spaced).startswith("'"), repr(spaced)


def test_hand_in_text_is_exported_printable_short_and_apart(tmp_path):
    """A hand-in's text (its error messages, a reason naming its files) can hold escape
    sequences and megabytes: the exports show it printable and cut; ids that differ only in
    unsafe characters get files of their own."""
    book = Gradebook(tmp_path / "g.sqlite")
    noisy = "\x1b[2J\x1b[32mScore: 100/100\x1b[0m" + "x" * 1_000_000
    part = result("2.3", {"sgd": False})
    part.feedback = noisy
    for student in ("a/b", "a_b", "a?b"):
        book.record(graded(student, [part], reason=noisy))
    (tmp_path / "out").mkdir()
    exports.export_all(tmp_path / "out", book)
    files = sorted((tmp_path / "out" / "feedback").iterdir())
    assert len(files) == 3
    for file in files:
        text = file.read_text()
        assert "\x1b" not in text and "\\x1b[2J" in text and len(text) < 30_000
    for row in read_rows(tmp_path / "out" / "grades.csv"):
        assert all("\x1b" not in cell and len(cell) < 3_000 for cell in row)
    assert not [p.name for p in (tmp_path / "out").rglob(".*")]     # no temporary file left


def test_export_command(course_book, tmp_path):
    course_book.close()
    done = subprocess.run([sys.executable, "-m", "kit", "export", str(tmp_path), "--format",
                           "canvas", "--format", "gradescope", "--due", "2025-03-25T00:00:00Z"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "not on the roster: stray" in done.stderr
    canvas = read_rows(tmp_path / "canvas.csv")
    assert canvas[0][-1] == "MyTorch"
    assert {row[2]: row[-1] for row in canvas[2:]}["stray"] == "20"     # no longer late
    assert not (tmp_path / "grades.csv").exists()
    missing = subprocess.run([sys.executable, "-m", "kit", "export", str(tmp_path / "none")],
                             cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 2 and "no gradebook" in missing.stderr


# ----------------------------------------------------------------------------- plots
def png_info(path: Path):
    """(width, height, dots per inch) from a PNG's IHDR and pHYs chunks."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return width, height, round(per_metre * 0.0254)


def synthetic_course(book: Gradebook, students: int = 400, seed: int = 0) -> None:
    """A class of ``students``: most good, some weak, a few with every non-ok status."""
    rng = random.Random(seed)
    parts = RUBRIC.select(["1"]) + RUBRIC.select(["4"])
    difficulty = {c: rng.uniform(0.55, 0.98) for p in parts for c in p.checks}
    roster = []
    for n in range(students):
        sid = f"u{n:03d}"
        roster.append(Student(sid, f"Student {n}", f"{sid}@uni.edu", f"L0{n % 4}"))
        kind = rng.random()
        if kind < 0.04:
            continue                                          # missing
        if kind < 0.07:
            status = rng.choice(["bad_archive", "violation"])
            book.record(graded(sid, [PartResult(p.number, p.name, 0, p.points) for p in parts],
                               status=status))
            continue
        skill = rng.random()
        results = [result(p.number, {c: rng.random() < difficulty[c] * (0.6 + 0.4 * skill)
                                     for c in p.checks}) for p in parts]
        book.record(graded(sid, results, status="timeout" if kind < 0.09 else "ok"))
    book.set_roster(roster)


def test_plots_read_well(tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    synthetic_course(book, students=150)
    export = exports.Export(book)
    written = plots.write_plots(tmp_path / "plots", export)
    names = sorted(p.name for p in written)
    assert "check_pass_rates.png" in names and "total.png" in names
    assert "part_2.2_relu.png" in names and "part_4.2_conv2d.png" in names
    for path in written:
        width, height, dpi = png_info(path)
        assert dpi >= 150 and width >= 1000, (path.name, width, dpi)
    counts = {s: sum(g.status == s for g in export.grades) for s in plots.APART}
    assert counts["missing"] > 0 and counts["timeout"] > 0
    book.close()


def test_one_bar_per_possible_score():
    assert plots.possible_scores([3, 2]) == [0, 2, 3, 5]
    assert plots.possible_scores([5, 5, 5]) == [0, 5, 10, 15]
    labels, counts, _ = plots._score_bars([0, 2, 5, 5, 5], [0, 2, 3, 5], 5)
    assert (labels, counts) == (["0", "2", "3", "5"], [1, 1, 0, 3])
    labels, counts, _ = plots._score_bars([0, 4.5, 99, 100, 100], list(range(101)), 100)
    assert labels[0] == "0-5" and labels[-1] == "100" and counts[-1] == 2 and sum(counts) == 5
