"""One submission's lifecycle in a batch, from its archive to its gradebook row.

In a fresh temporary directory: extract the hand-in safely (kit/intake/archive.py), scan it
for forbidden imports (autograder/grader/import_policy.py, as ./grade.sh does), copy the
autograder (root-owned, read-only to the student), run a grader process of its own
(kit/batch/grader_process.py), score its validated messages with what the imports cost
(kit/batch/scoring.py). Then kill
what the slot's uid left running, delete its files, and remove the directory.

A ``grader_error`` (the grader died, or the student process was killed by something other
than its limits) is not the student's doing: the submission is graded once more from the
archive, and only a second ``grader_error`` is recorded.
"""
from __future__ import annotations

import datetime
import os
import shutil
import time
from pathlib import Path
from typing import List, Optional

from autograder.common.printable import MESSAGE_CHARS, printable
from autograder.grader import import_policy
from autograder.grader.rubric import Rubric
from kit.batch import grader_process, scoring
from kit.batch.settings import Interrupted, Settings
from kit.gradebook.records import Graded, PartResult
from kit.graderfiles import SHARED_DIRECTORIES, copy_autograder
from kit.intake import archive
from kit.isolation import sandbox, scratch, uids
from kit.isolation.uids import UidLease


class Submission:
    def __init__(self, archive_path: Path, settings: Settings, version: str) -> None:
        self.path = archive_path
        self.id = archive.handin_id(archive_path.name)
        self.archive_name = archive.name_as_text(archive_path.name)
        self.settings = settings
        self.version = version
        self.sha256 = ""

    def result(self, status: str, reason: str, parts: List[PartResult], started: float) -> Graded:
        return Graded(self.id, self.sha256, self.version, status,
                      printable(reason, MESSAGE_CHARS), parts,
                      duration=time.monotonic() - started,
                      graded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(
                          timespec="seconds"), archive_name=self.archive_name)

    def zero_parts(self, feedback: str) -> List[PartResult]:
        return [PartResult(p.number, p.name, 0.0, p.points, feedback) for p in self.settings.parts]

    def grade(self, lease: Optional[UidLease], context) -> Optional[Graded]:
        """Grade in a job slot (``lease``: its uid, None without root); None when the batch is
        interrupted meanwhile. A grader_error is graded once more."""
        started = time.monotonic()
        graded = self._attempt(lease, context, started)
        if graded is not None and graded.status == "grader_error":
            graded = self._attempt(lease, context, started)
            if graded is not None and graded.status == "grader_error":
                graded.reason = f"twice in a row: {graded.reason}"
        return graded

    def _attempt(self, lease: Optional[UidLease], context, started: float) -> Optional[Graded]:
        work = scratch.make_dir("grade")
        try:
            return self._grade_in(work, lease.uid if lease else None, started, context)
        except Interrupted:
            return None
        except Exception as error:                         # noqa: BLE001 - one row, batch goes on
            return self.result("grader_error", f"the batch grader failed: {error}",
                               self.zero_parts("not graded: internal error"), started)
        finally:
            uids.kill_leftovers(lease, work)
            if lease is not None:
                uids.remove_files_of(lease)
            shutil.rmtree(work, ignore_errors=True)

    def _grade_in(self, work: Path, uid: Optional[int], started: float, context) -> Graded:
        settings = self.settings
        os.chmod(work, 0o711)
        target = work / "submission"
        target.mkdir(mode=0o700)
        try:
            extracted = archive.extract(self.path, target, settings.limits, settings.stop)
        except archive.BadArchive as error:
            if settings.stop.is_set():
                raise Interrupted() from None
            return self.result("bad_archive", str(error), self.zero_parts(f"not graded: {error}"),
                               started)
        notes = list(extracted.notes)

        verdict = import_policy.judge(target, settings.parts, Rubric())
        job = self._prepare(work, target, uid)
        messages, timed_out, exitcode = grader_process.run_grader(job, context, settings)
        status, reason, parts = scoring.score(messages, settings.parts, timed_out,
                                              settings.wall_seconds, verdict.forfeited)
        if status == "grader_error" and exitcode:
            log = Path(job["log"]).read_bytes()[-1500:].decode("utf-8", "replace")
            reason += f" (grader exit code {exitcode}; log tail: {log.strip()[-500:]})"
        if verdict.findings:
            status, reason = "violation", "; ".join(filter(None, [verdict.summary, reason]))
        reason = "; ".join(filter(None, [reason] + notes))
        return self.result(status, reason, parts, started)

    def _prepare(self, work: Path, target: Path, uid: Optional[int]) -> dict:
        """The grader's copy of the autograder, its private and scratch directories; the job."""
        settings = self.settings
        grader_root = work / "grader"
        copy_autograder(grader_root / "autograder", settings.hidden)
        for name in SHARED_DIRECTORIES:
            if settings.shared is not None and (settings.shared / name).is_dir():
                (grader_root / name).symlink_to(settings.shared / name)
        private = work / "private"
        private.mkdir(mode=0o700)
        scratch_dir = work / "scratch"
        scratch_dir.mkdir(mode=0o700)
        env = {"AUTOGRADER_DEADLINE": str(settings.timeout),
               **settings.student_limits.environment(),
               "AUTOGRADER_CONFINE": settings.confine, "AUTOGRADER_HANDIN": "copy",
               "TMPDIR": str(scratch_dir), "HOME": str(scratch_dir),
               "MPLCONFIGDIR": str(scratch_dir), "MPLBACKEND": "Agg"}
        if settings.call_timeout is not None:
            env["AUTOGRADER_CALL_TIMEOUT"] = str(settings.call_timeout)
        if uid is not None:
            env["AUTOGRADER_RUN_AS_UID"] = str(uid)
            uids.chown_tree(target, uid)
            uids.chown_tree(scratch_dir, uid)
        return {"grader_root": str(grader_root), "target": str(target), "env": env,
                "parts": [p.name for p in settings.parts], "hidden": settings.hidden,
                "log": str(private / "grader.log"), "cpu_seconds": int(settings.wall_seconds),
                "hide": sandbox.hidden_paths(work)}
