"""What a batch publishes from the gradebook, always from the WHOLE gradebook (every student
ever graded, plus the roster's non-submitters), each student's current grade:

- ``grades.csv`` (staff): one row per student with every part, raw score, late penalty,
  final score, status, attempt and submission time;
- ``canvas.csv``: Canvas's gradebook layout (Student, ID, SIS User ID, SIS Login ID, Section,
  the assignment; a second row "Points Possible");
- ``gradescope.csv``: Name, SID, Email, Total Score (Gradescope's score upload matches a
  student by Email or SID);
- ``feedback/<id>.txt`` and ``plots/*.png`` (score distributions, check pass rates).

Text cells that a spreadsheet would read as a formula (starting with = + - @, also after
leading white space or a line break, or with a tab or a carriage return) get a leading
apostrophe. Text that came from a hand-in is shown printable
and cut to a length (autograder/common/printable.py). Every file is written to a temporary
name and renamed into place once all are written, so a reader never sees half an export,
and an export that fails (a full disk) leaves the previous one as it was.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import re
from pathlib import Path
from typing import List, Optional, Sequence

from autograder.common.printable import FEEDBACK_CHARS, MESSAGE_CHARS, printable
from autograder.grader.rubric import Part, Rubric
from kit.gradebook import staging
from kit.gradebook.course import FinalGrade, LatePolicy, final_grades
from kit.gradebook.plots import write_plots
from kit.gradebook.records import Graded
from kit.gradebook.store import Gradebook

FORMATS = ("csv", "canvas", "gradescope")
FILE_NAMES = {"csv": "grades.csv", "canvas": "canvas.csv", "gradescope": "gradescope.csv"}
FORMULA_STARTS = ("=", "+", "-", "@")


def safe_file_name(submission_id: str) -> str:
    """A file name for an id: unsafe characters become "_", and an id that needed that gets a
    short hash of itself, so that "a/b" and "a_b" never share a file."""
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", submission_id)[:100].lstrip(".") or "_"
    if safe == submission_id:
        return safe
    return f"{safe}-{hashlib.sha256(submission_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def write_atomically(path: Path, text: str, newline: Optional[str] = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, then publish it (kit/gradebook/staging.py)."""
    temporary = staging.temporary_beside(path)
    try:
        with open(temporary, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
    except BaseException:
        os.unlink(temporary)
        raise
    staging.publish(temporary, path)


def cell(value) -> str:
    """A CSV cell: numbers as %g, text guarded against spreadsheet formula injection."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    text = "" if value is None else printable(str(value), MESSAGE_CHARS)
    if text[:1] in ("\t", "\r") or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def _write(path: Path, rows: Sequence[Sequence]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    write_atomically(path, buffer.getvalue(), newline="")


def exported_parts(book: Gradebook, rubric: Optional[Rubric] = None) -> List[Part]:
    """The rubric's parts that the gradebook has results for, in rubric order."""
    graded = set(book.graded_parts())
    return [p for p in (rubric or Rubric()).parts if p.number in graded]


class Export:
    """The current grades of a gradebook, ready to be written in any format."""

    def __init__(self, book: Gradebook, policy: Optional[LatePolicy] = None) -> None:
        self.parts = exported_parts(book)
        self.max_points = sum(p.points for p in self.parts)
        self.grades: List[FinalGrade] = final_grades(
            book, [p.number for p in self.parts], self.max_points,
            policy or LatePolicy.from_rubric())
        self.exported_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        book.set_final_grades([
            (g.student.student_id, g.status, int(g.on_roster), g.graded.attempt if g.graded else 0,
             g.submitted_at, g.due, g.late_days, g.raw, g.penalty_fraction, g.penalty_points,
             g.final, g.max_points, self.exported_at) for g in self.grades])

    @property
    def not_on_roster(self) -> List[str]:
        return [g.student.student_id for g in self.grades if not g.on_roster]


STAFF_COLUMNS = ["student_id", "name", "email", "section", "on_roster"]
STAFF_TAIL = ["total", "max_total", "grading_status", "reason", "attempt", "archive",
              "submitted_at", "time_source", "due", "late_days", "penalty_fraction",
              "penalty_points", "final"]


def write_csv(path: Path, export: Export) -> None:
    """The staff CSV: identity, a column per part, raw total, status, lateness, final score."""
    rows: List[List] = [STAFF_COLUMNS + [f"{p.number} {p.name}" for p in export.parts] + STAFF_TAIL]
    for g in export.grades:
        s = g.student
        points = {r.part: r.points for r in g.graded.parts} if g.graded else {}
        rows.append([s.student_id, s.name, s.email, s.section, g.on_roster]
                    + [points.get(p.number, 0.0) for p in export.parts]
                    + [g.raw, g.max_points, g.status,
                       g.graded.reason if g.graded else "nothing handed in",
                       g.graded.attempt if g.graded else 0,
                       g.graded.archive_name if g.graded else "", g.submitted_at,
                       g.time_source, g.due, g.late_days, g.penalty_fraction, g.penalty_points,
                       g.final])
    _write(path, rows)


CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def write_canvas(path: Path, export: Export, assignment: str) -> None:
    """Canvas's gradebook CSV: identity columns, the assignment, a "Points Possible" row."""
    rows: List[List] = [CANVAS_COLUMNS + [assignment],
                        ["    Points Possible", "", "", "", "", export.max_points]]
    for g in export.grades:
        s = g.student
        rows.append([s.name or s.student_id, s.canvas_id, s.student_id, s.login, s.section,
                     g.final])
    _write(path, rows)


GRADESCOPE_COLUMNS = ["Name", "SID", "Email", "Total Score"]


def write_gradescope(path: Path, export: Export) -> None:
    rows: List[List] = [GRADESCOPE_COLUMNS]
    for g in export.grades:
        s = g.student
        rows.append([s.name, s.student_id, s.email, g.final])
    _write(path, rows)


def write_format(out: Path, export: Export, fmt: str, assignment: str = "MyTorch") -> Path:
    path = out / FILE_NAMES[fmt]
    if fmt == "csv":
        write_csv(path, export)
    elif fmt == "canvas":
        write_canvas(path, export, assignment)
    elif fmt == "gradescope":
        write_gradescope(path, export)
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return path


def feedback_text(g: Graded, final: Optional[FinalGrade] = None) -> str:
    lines = [f"Feedback for {printable(g.submission_id, MESSAGE_CHARS)}",
             f"Score: {g.points:g}/{g.max_points:g}   (grading status: {g.status})"]
    if final is not None and final.penalty_fraction:
        lines.append(f"Late by {final.late_days:g} day(s) (submitted {final.submitted_at}, due "
                     f"{final.due}): -{final.penalty_fraction:.0%}, final score "
                     f"{final.final:g}/{final.max_points:g}")
    if g.reason:
        lines.append(f"Note: {printable(g.reason, MESSAGE_CHARS)}")
    lines.append("")
    for r in g.parts:
        lines.append(f"Part {r.part} {r.name}: {r.points:g}/{r.max_points:g}")
        if r.feedback:
            feedback = printable(r.feedback, FEEDBACK_CHARS)
            lines.extend("    " + line for line in feedback.splitlines())
    lines.append("")
    lines.append(f"Archive sha256 {g.archive_sha256}, graded {g.graded_at} "
                 f"(grader {g.grader_version[:12]}, attempt {g.attempt}).")
    return "\n".join(lines) + "\n"


def write_feedback(directory: Path, export: Export) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for g in export.grades:
        if g.graded is not None:
            write_atomically(directory / f"{safe_file_name(g.student.student_id)}.txt",
                             feedback_text(g.graded, g))


# --------------------------------------------------------------------------------- plots
def export_all(out: Path, book: Gradebook, policy: Optional[LatePolicy] = None) -> Export:
    """grades.csv, feedback/ and plots/ in ``out``, from the whole gradebook, published
    together (kit/gradebook/staging.py)."""
    export = Export(book, policy)
    with staging.together():
        write_csv(out / "grades.csv", export)
        write_feedback(out / "feedback", export)
        write_plots(out / "plots", export)
    return export
