"""The command line's batch and course commands: grade-batch, export, similarity, and the
Gradescope and Autolab bundles (``python -m kit COMMAND``; see kit/cli.py).
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

def cmd_grade_batch(args: argparse.Namespace) -> int:
    from autograder.grader.rubric import Rubric
    from kit.batch import run, settings
    from kit.intake import archive

    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"error: {submissions} is not a directory", file=sys.stderr)
        return 2
    try:
        parts = Rubric().select(args.parts)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    options = settings.Settings(
        parts=parts, jobs=max(1, args.jobs), hidden=args.hidden, regrade=args.regrade,
        timeout=args.timeout, call_timeout=args.call_timeout,
        memory_mb=args.memory_mb, file_mb=args.file_mb, max_processes=args.max_processes,
        uid_base=args.uid_base, progress=not args.no_progress,
        unsafe_no_isolation=args.unsafe_no_isolation,
        limits=archive.Limits(args.max_members, args.max_unpacked_mb, args.max_file_mb))
    out = Path(args.out)
    inputs = run.CourseInputs(
        roster=Path(args.roster) if args.roster else None, roster_columns=roster_columns(args),
        manifest=Path(args.manifest) if args.manifest else None, due=args.due or "",
        extensions=Path(args.extensions) if args.extensions else None,
        students=args.student or [])
    from kit.gradebook.course import CourseError
    from kit.gradebook.records import GradebookError
    try:
        graded = run.grade_batch(submissions, out, options, inputs)
    except (CourseError, GradebookError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        return cannot_write(out, error)
    except KeyboardInterrupt as stop:
        print(f"Interrupted: {stop or 'stopped'}. Run the same command again to go on.",
              file=sys.stderr)
        return 130
    print(f"Gradebook: {len(graded)} student(s) with a grading: {run.summary(graded)}.")
    print(f"Wrote {out / 'gradebook.sqlite'}, {out / 'grades.csv'}, {out / 'feedback'}/, "
          f"{out / 'plots'}/.")
    return 0


def cannot_write(out: Path, error: Exception) -> int:
    """The message for an OUT_DIR that cannot be written (a full disk): what is kept, what to do."""
    print(f"error: cannot write in {out}: {error}. The gradebook keeps every grading saved "
          "before, and the exports are as they were; make room and run the same command "
          "again.", file=sys.stderr)
    return 1


def roster_columns(args: argparse.Namespace):
    from kit.gradebook.course import RosterColumns
    return RosterColumns(args.roster_id, args.roster_name, args.roster_email,
                         args.roster_section, args.roster_login, args.roster_canvas_id)


def add_course_options(p: argparse.ArgumentParser) -> None:
    """--roster, --due, --extensions and the roster's column names (formats: docs/instructors.md)."""
    p.add_argument("--roster", metavar="CSV", help="the class list: id,name,email,section; "
                   "students without a hand-in get status 'missing' and 0")
    p.add_argument("--roster-id", default="id", metavar="COLUMN", help="roster column (id)")
    p.add_argument("--roster-name", default="name", metavar="COLUMN", help="roster column (name)")
    p.add_argument("--roster-email", default="email", metavar="COLUMN",
                   help="roster column (email)")
    p.add_argument("--roster-section", default="section", metavar="COLUMN",
                   help="roster column (section)")
    p.add_argument("--roster-login", default="login", metavar="COLUMN",
                   help="optional roster column for Canvas's SIS Login ID (login)")
    p.add_argument("--roster-canvas-id", default="canvas_id", metavar="COLUMN",
                   help="optional roster column for Canvas's ID (canvas_id)")
    p.add_argument("--due", metavar="ISO8601", help="the deadline, e.g. 2025-03-01T23:59-05:00 "
                   "(late policy: [late] in autograder/rubric.toml)")
    p.add_argument("--extensions", metavar="CSV", help="per-student extensions: id,days or id,due")


def cmd_export(args: argparse.Namespace) -> int:
    from kit.batch import run
    from kit.gradebook import exports, staging
    from kit.gradebook.course import CourseError
    from kit.gradebook.records import GradebookError
    from kit.gradebook.store import Gradebook

    out = Path(args.out)
    path = Path(args.gradebook) if args.gradebook else out / "gradebook.sqlite"
    if not path.is_file():
        print(f"error: no gradebook at {path} (grade first, or give --gradebook)", file=sys.stderr)
        return 2
    try:
        book = Gradebook(path)
        try:
            run.load_course(book, run.CourseInputs(
                roster=Path(args.roster) if args.roster else None,
                roster_columns=roster_columns(args), due=args.due or "",
                extensions=Path(args.extensions) if args.extensions else None))
            export = exports.Export(book)
        finally:
            book.close()
    except (CourseError, GradebookError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        return cannot_write(out, error)
    formats = args.format or list(exports.FORMATS)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with staging.together():
            written = [exports.write_format(out, export, fmt, args.assignment) for fmt in formats]
    except OSError as error:
        return cannot_write(out, error)
    for path in written:
        print(f"Wrote {path} ({len(export.grades)} students, out of {export.max_points:g}).")
    if export.not_on_roster:
        print(f"warning: not on the roster: {', '.join(export.not_on_roster)}", file=sys.stderr)
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from kit.similarity import report
    return report.main(args)


def cmd_gradescope(args: argparse.Namespace) -> int:
    from kit.platforms import builders
    path = builders.build_gradescope(Path(args.out), hidden=not args.no_hidden)
    print(f"Wrote {path} (upload it as the Gradescope autograder).")
    return 0


def cmd_autolab(args: argparse.Namespace) -> int:
    from kit.platforms import builders
    paths = builders.build_autolab(Path(args.out), hidden=not args.no_hidden)
    print("Wrote " + ", ".join(map(str, paths)) + " (upload autograde.tar and autograde-Makefile "
          "to the Autolab assessment; the .yml holds its settings: docs/platforms.md).")
    return 0


def add_batch_commands(commands) -> None:
    # A batch's defaults are those of its Settings and of the archive Limits.
    from kit.batch.settings import Settings
    from kit.intake.archive import Limits

    p = commands.add_parser("grade-batch", help="grade a folder of <student_id>.tar hand-ins")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    p.add_argument("--out", required=True, metavar="OUT_DIR",
                   help="gradebook.sqlite, grades.csv, feedback/ and plots/ go here")
    p.add_argument("--jobs", "-j", type=int, default=Settings.jobs,
                   help="submissions graded in parallel")
    p.add_argument("--hidden", action="store_true", help="also run autograder/hidden/ tests")
    p.add_argument("--regrade", action="store_true", help="grade again what is already graded")
    p.add_argument("--parts", nargs="+", default=[],
                   help="grade only these parts (numbers, names or groups; default: all)")
    p.add_argument("--timeout", type=float, default=Settings.timeout,
                   help="seconds of student code per submission, shared over its checks "
                   "(%(default)g)")
    p.add_argument("--call-timeout", type=float, default=None,
                   help="seconds of student code per test (default: rubric.toml [time] call)")
    p.add_argument("--memory-mb", type=int, default=Settings.memory_mb,
                   help="address space of student code")
    p.add_argument("--file-mb", type=int, default=Settings.file_mb,
                   help="largest file student code may write")
    p.add_argument("--max-processes", type=int, default=Settings.max_processes,
                   help="processes/threads of student code (as root only)")
    p.add_argument("--uid-base", type=int, default=Settings.uid_base,
                   help="as root, each job slot leases a uid from UID_BASE up that no user "
                   "owns and no other batch uses")
    p.add_argument("--unsafe-no-isolation", action="store_true",
                   help="without root, grade even where student code cannot get namespaces of "
                   "its own: it then runs as you, seeing your files (docs/isolation.md)")
    p.add_argument("--max-members", type=int, default=Limits.max_members, help="files per archive")
    p.add_argument("--max-unpacked-mb", type=float, default=Limits.max_total_mb,
                   help="unpacked size per archive")
    p.add_argument("--max-file-mb", type=float, default=Limits.max_member_mb,
                   help="size of one archived file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student's hand-in, again (repeatable); the exports "
                   "still cover the whole gradebook")
    p.add_argument("--manifest", metavar="CSV", help="submission times: id,submitted_at or "
                   "file,submitted_at (default: each archive's modification time)")
    add_course_options(p)
    p.set_defaults(run=cmd_grade_batch)

    p = commands.add_parser("export", help="grade files for Canvas, Gradescope or staff (CSV)")
    p.add_argument("out", metavar="OUT_DIR", help="where the files go (and, by default, the "
                   "batch's gradebook.sqlite)")
    p.add_argument("--format", action="append", choices=["canvas", "gradescope", "csv"],
                   help="repeatable; default: all three (canvas.csv, gradescope.csv, grades.csv)")
    p.add_argument("--gradebook", metavar="PATH", help="default: OUT_DIR/gradebook.sqlite")
    p.add_argument("--assignment", default="MyTorch", help="Canvas column name (MyTorch)")
    add_course_options(p)
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("similarity", help="rank pairs of hand-ins by shared code (HTML)")
    p.add_argument("submissions", metavar="SUBMISSIONS", help="a folder of hand-in archives "
                   "or of unpacked hand-in folders")
    p.add_argument("--out", required=True, metavar="DIR", help="index.html and pair pages")
    p.add_argument("--handout", default=None, help="the handout whose code is excluded "
                   "(default: handout/)")
    p.add_argument("--k", type=int, default=None, help="tokens per k-gram")
    p.add_argument("--window", type=int, default=None, help="winnowing window")
    p.add_argument("--threshold", type=float, default=None,
                   help="flag pairs sharing at least this fraction")
    p.add_argument("--top", type=int, default=50, help="pairs with a page of their own (50)")
    p.add_argument("--jobs", "-j", type=int, default=2, help="processes for fingerprinting")
    p.set_defaults(run=cmd_similarity)

    p = commands.add_parser("gradescope", help="build the Gradescope autograder zip")
    p.add_argument("--out", default="dist", help="directory for autograder.zip (dist)")
    p.add_argument("--no-hidden", action="store_true", help="leave out the hidden tests")
    p.set_defaults(run=cmd_gradescope)

    p = commands.add_parser("autolab", help="build Autolab's autograde.tar + autograde-Makefile")
    p.add_argument("--out", default="dist", help="directory for the two files (dist)")
    p.add_argument("--no-hidden", action="store_true", help="leave out the hidden tests")
    p.set_defaults(run=cmd_autolab)
