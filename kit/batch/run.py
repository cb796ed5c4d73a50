"""A batch: ``python -m kit grade-batch SUBMISSIONS_DIR --out OUT_DIR --jobs N``.

Hand-ins are ``<student_id>.tar``, ``.tar.gz``, ``.tgz`` or ``.zip``. Every archive whose
sha256 the same grader version already graded is skipped (``--regrade`` forces, ``--student``
picks students and forces); the others are graded ``--jobs`` at a time, each in a job slot of
its own (kit/batch/submission.py; as root, each slot holds the lease of a uid for the whole
batch, kit/isolation/uids.py), and each result is stored as a new attempt in one
transaction as soon as it is known. Ctrl-C stores what finished and discards what was
running. The exports (CSV, feedback, plots) are then rebuilt from the whole gradebook.
"""
from __future__ import annotations

import concurrent.futures
import os
import queue
import shutil
import sys
from pathlib import Path
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from autograder.common.compat import sha256_file
from kit.batch import grader_process
from kit.batch.settings import Settings
from kit.batch.submission import Submission
from kit.batch.version import grader_version
from kit.gradebook import course, exports
from kit.gradebook.records import Graded, Handin
from kit.gradebook.store import Gradebook
from kit.graderfiles import SHARED_DIRECTORIES
from kit.intake.archive import handin_id, name_as_text, split_suffix
from kit.isolation import sandbox, scratch, uids
from kit.paths import ROOT


@dataclass
class CourseInputs:
    """The course files of ``grade-batch`` (kit/gradebook/course.py has their formats)."""
    roster: Optional[Path] = None
    roster_columns: course.RosterColumns = field(default_factory=course.RosterColumns)
    manifest: Optional[Path] = None
    due: str = ""
    extensions: Optional[Path] = None
    students: List[str] = field(default_factory=list)      # --student: grade only these again


def find_submissions(directory: Path) -> List[Path]:
    """Every hand-in archive in ``directory`` (any accepted suffix), by file name."""
    return sorted(p for p in directory.iterdir() if split_suffix(p.name) and p.is_file())


def choose_handins(archives: List[Path], times: Dict[str, Tuple[str, str]]) -> Tuple[List[Path], List[str]]:
    """One archive per student: the latest submitted when there are several; warnings."""
    by_id: Dict[str, List[Path]] = {}
    for path in archives:
        by_id.setdefault(handin_id(path.name), []).append(path)
    chosen, warnings = [], []
    for student_id, paths in sorted(by_id.items()):
        latest = max(paths, key=lambda p: (times[p.name][0], p.name))
        if len(paths) > 1:
            warnings.append(f"{student_id} has {len(paths)} hand-ins ("
                            + ", ".join(name_as_text(p.name) for p in paths) + "): grading "
                            f"{name_as_text(latest.name)}, the latest submitted")
        chosen.append(latest)
    return chosen, warnings


def submission_times(archives: List[Path], manifest: Dict[str, str]) -> Dict[str, Tuple[str, str]]:
    """{file name: (ISO time, "manifest" or "mtime")}."""
    times = {}
    for path in archives:
        for key in (name_as_text(path.name), handin_id(path.name)):
            if key in manifest:
                times[path.name] = (manifest[key], "manifest")
                break
        else:
            times[path.name] = (course.mtime_of(path), "mtime")
    return times


def load_course(book: Gradebook, inputs: CourseInputs) -> None:
    """Store the roster, due date and extensions given on the command line in the gradebook."""
    if inputs.roster is not None:
        book.set_roster(course.read_roster(inputs.roster, inputs.roster_columns))
    if inputs.due:
        book.set_meta("due", course.iso(course.parse_time(inputs.due)))
    if inputs.extensions is not None:
        book.set_extensions(course.read_extensions(inputs.extensions))


def grade_batch(submissions_dir: Path, out: Path, settings: Settings,
                inputs: Optional[CourseInputs] = None) -> Dict[str, Graded]:
    """Grade the archives in ``submissions_dir``; write the gradebook and exports to ``out``.

    Returns the current grades of every student in the gradebook.
    """
    inputs = inputs or CourseInputs()
    out.mkdir(parents=True, exist_ok=True)
    manifest = course.read_manifest(inputs.manifest) if inputs.manifest else {}
    book = Gradebook(out / "gradebook.sqlite")
    load_course(book, inputs)
    version = grader_version(settings)
    found = find_submissions(submissions_dir)
    times = submission_times(found, manifest)
    archives, warnings = choose_handins(found, times)
    if inputs.students:
        unknown = sorted(set(inputs.students) - {handin_id(p.name) for p in archives})
        if unknown:
            book.close()
            raise course.CourseError(f"no hand-in for --student {', '.join(unknown)} in "
                                     f"{submissions_dir}")
        archives = [p for p in archives if handin_id(p.name) in inputs.students]
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    pending: List[Submission] = []
    handins = []
    for path in archives:
        submission = Submission(path, settings, version)
        submission.sha256 = sha256_file(path)
        handins.append(Handin(submission.id, submission.sha256, submission.archive_name,
                              *times[path.name]))
        if settings.regrade or inputs.students or \
                not book.is_current(submission.id, submission.sha256, version):
            pending.append(submission)
    book.record_handins(handins)
    skipped = len(archives) - len(pending)
    print(f"{len(archives)} submission(s) in {submissions_dir}: {len(pending)} to grade, "
          f"{skipped} already graded by this grader version.", flush=True)
    abandoned = scratch.sweep_abandoned()
    if abandoned:
        print(f"Removed {len(abandoned)} temporary director{'y' if len(abandoned) == 1 else 'ies'} "
              "left by an earlier batch that was killed before it could clean up.", flush=True)
    try:
        if pending:
            sandbox.not_dumpable()                # same-uid code must not reach this process
            shared = scratch.make_dir("batch")
            try:
                os.chmod(shared, 0o755)
                for name in SHARED_DIRECTORIES:
                    if (ROOT / name).is_dir():
                        shutil.copytree(ROOT / name, shared / name)
                settings.shared = shared
                _grade_pending(pending, book, settings)
            finally:
                shutil.rmtree(shared, ignore_errors=True)
        state = export_state(book)
        if state != book.get_meta("exported_state") or not (out / "grades.csv").exists():
            export = exports.export_all(out, book)
            book.set_meta("exported_state", state)
            if export.not_on_roster:
                print(f"warning: {len(export.not_on_roster)} hand-in(s) not on the roster "
                      "(on_roster = no in grades.csv): " + ", ".join(export.not_on_roster[:10])
                      + (" ..." if len(export.not_on_roster) > 10 else ""), file=sys.stderr)
        graded = book.load_all()
    finally:
        book.close()
    return graded


def export_state(book: Gradebook) -> str:
    """A digest of everything the exports are built from (grades, course files, late policy)."""
    import hashlib
    digest = hashlib.sha256()
    for query in ("SELECT MAX(attempt_id), COUNT(*) FROM attempts", "SELECT * FROM roster",
                  "SELECT * FROM extensions", "SELECT * FROM handins ORDER BY 1, 2",
                  "SELECT value FROM meta WHERE key = 'due'"):
        digest.update(repr(book.db.execute(query).fetchall()).encode())
    digest.update(repr(course.LatePolicy.from_rubric()).encode())
    return digest.hexdigest()


def _grade_pending(pending: List[Submission], book: Gradebook, settings: Settings) -> None:
    leases = lease_slot_uids(settings)
    try:
        _grade_in_slots(pending, book, settings, leases)
    finally:
        for lease in leases:
            if lease is not None:
                lease.release()


def lease_slot_uids(settings: Settings) -> List[Optional[uids.UidLease]]:
    """As root, a leased uid per job slot, cleared of what a killed batch left; else None each."""
    if not uids.isolating():
        return [None] * settings.jobs
    leases = uids.lease_uids(settings.uid_base, settings.jobs)
    for lease in leases:
        uids.kill_leftovers(lease)
        uids.remove_files_of(lease)
    taken = [lease.uid for lease in leases]
    if taken != list(range(settings.uid_base, settings.uid_base + settings.jobs)):
        print(f"Student code runs as uids {', '.join(map(str, taken))} (the others from "
              f"{settings.uid_base} are in use).", flush=True)
    return leases


def _grade_in_slots(pending: List[Submission], book: Gradebook, settings: Settings,
                    leases: List[Optional[uids.UidLease]]) -> None:
    from tqdm import tqdm

    context = grader_process.make_context()
    grader_process.check_isolation(context, settings, leases[0].uid if leases[0] else None)
    slots: "queue.Queue[Optional[uids.UidLease]]" = queue.Queue()
    for lease in leases:
        slots.put(lease)

    def run(submission: Submission) -> Optional[Graded]:
        lease = slots.get()
        try:
            return submission.grade(lease, context)
        finally:
            slots.put(lease)

    recorded = set()

    def record(future: concurrent.futures.Future) -> None:
        graded = future.result()
        if graded is not None and future not in recorded:
            book.record(graded)                   # one transaction per submission
            recorded.add(future)
            bar.set_postfix_str(f"{graded.submission_id}: {graded.points:g} ({graded.status})")
        bar.update()

    def stop(futures: List[concurrent.futures.Future]) -> None:
        settings.stop.set()                       # running graders are killed, not recorded
        for future in futures:
            future.cancel()

    with concurrent.futures.ThreadPoolExecutor(settings.jobs) as pool, \
            tqdm(total=len(pending), unit="submission", disable=not settings.progress,
                 file=sys.stderr) as bar:
        futures = [pool.submit(run, s) for s in pending]
        try:
            for future in concurrent.futures.as_completed(futures):
                record(future)
        except KeyboardInterrupt:
            stop(futures)
            for future in futures:                # finished but not yet stored: store them
                if future.done() and not future.cancelled() and future not in recorded:
                    record(future)
            raise KeyboardInterrupt(f"{len(recorded)} submission(s) graded and saved before "
                                    "the interruption") from None
        except BaseException:                     # the gradebook cannot be written (a full disk)
            stop(futures)
            raise


def summary(graded: Dict[str, Graded]) -> str:
    counts: Dict[str, int] = {}
    for g in graded.values():
        counts[g.status] = counts.get(g.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
