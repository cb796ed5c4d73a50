"""A batch: ``python -m kit grade-batch SUBMISSIONS_DIR --out OUT_DIR --jobs N``.

Every ``<student_id>.tar`` whose sha256 and grader version are already in the gradebook is
skipped (``--regrade`` forces); the others are graded ``--jobs`` at a time, each in a job slot
of its own (kit/batch/submission.py), and each result is stored in one transaction as soon as
it is known. Ctrl-C stores what finished and discards what was running. The exports (CSV,
feedback, plots) are written at the end.
"""
from __future__ import annotations

import concurrent.futures
import os
import queue
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional

from kit.batch import grader_process
from kit.batch.settings import Settings
from kit.batch.submission import Submission
from kit.batch.version import grader_version, sha256_of
from kit.gradebook import exports
from kit.gradebook.store import Gradebook, Graded
from kit.graderfiles import SHARED_DIRECTORIES
from kit.isolation import sandbox, scratch, uids
from kit.paths import ROOT


def find_submissions(directory: Path) -> List[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(".tar") and p.is_file()
                  and len(p.name) > len(".tar"))


def grade_batch(submissions_dir: Path, out: Path, settings: Settings) -> Dict[str, Graded]:
    """Grade every archive in ``submissions_dir``; write the gradebook and exports to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if uids.isolating():
        uids.check_unused(settings.uid_base, settings.jobs)
    version = grader_version(settings)
    book = Gradebook(out / "gradebook.sqlite")
    archives = find_submissions(submissions_dir)
    pending: List[Submission] = []
    for path in archives:
        submission = Submission(path, settings, version)
        submission.sha256 = sha256_of(path)
        if settings.regrade or not book.is_current(submission.id, submission.sha256, version):
            pending.append(submission)
    skipped = len(archives) - len(pending)
    print(f"{len(archives)} submission(s) in {submissions_dir}: {len(pending)} to grade, "
          f"{skipped} already graded by this grader version.", flush=True)
    abandoned = scratch.sweep_abandoned()
    if abandoned:
        print(f"Removed {len(abandoned)} temporary director{'y' if len(abandoned) == 1 else 'ies'} "
              "left by an earlier batch that was killed before it could clean up.", flush=True)
    if pending and not uids.isolating():
        print("warning: not running as root, so student code runs under your own uid and the "
              "isolation is weaker (see README).", file=sys.stderr)
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
    graded = book.load_all([p.name[:-len(".tar")] for p in archives])
    book.close()
    if pending or not (out / "grades.csv").exists():
        exports.export_all(out, settings.parts, graded)
    return graded


def _grade_pending(pending: List[Submission], book: Gradebook, settings: Settings) -> None:
    from tqdm import tqdm

    context = grader_process.make_context()
    grader_process.check_isolation(context, settings)
    slots: "queue.Queue[int]" = queue.Queue()
    for slot in range(settings.jobs):
        slots.put(slot)

    def run(submission: Submission) -> Optional[Graded]:
        slot = slots.get()
        try:
            return submission.grade(slot, context)
        finally:
            slots.put(slot)

    recorded = set()

    def record(future: concurrent.futures.Future) -> None:
        graded = future.result()
        if graded is not None and future not in recorded:
            book.record(graded)                   # one transaction per submission
            recorded.add(future)
            bar.set_postfix_str(f"{graded.submission_id}: {graded.points:g} ({graded.status})")
        bar.update()

    with concurrent.futures.ThreadPoolExecutor(settings.jobs) as pool, \
            tqdm(total=len(pending), unit="submission", disable=not settings.progress,
                 file=sys.stderr) as bar:
        futures = [pool.submit(run, s) for s in pending]
        try:
            for future in concurrent.futures.as_completed(futures):
                record(future)
        except KeyboardInterrupt:
            settings.stop.set()                   # running graders are killed, not recorded
            for future in futures:
                future.cancel()
            for future in futures:                # finished but not yet stored: store them
                if future.done() and not future.cancelled() and future not in recorded:
                    record(future)
            raise KeyboardInterrupt(f"{len(recorded)} submission(s) graded and saved before "
                                    "the interruption") from None


def summary(graded: Dict[str, Graded]) -> str:
    counts: Dict[str, int] = {}
    for g in graded.values():
        counts[g.status] = counts.get(g.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
