"""Batch grading: ``python -m kit grade-batch SUBMISSIONS_DIR --out OUT_DIR --jobs N``.

Each ``<student_id>.tar`` is graded on its own:

1. its sha256 is compared with the gradebook; an archive already graded by this grader
   version is skipped (``--regrade`` forces);
2. a fresh temporary directory receives a copy of the autograder (root-owned, read-only to
   the student) and the safely extracted hand-in (kit/archive.py);
3. a static scan looks for PyTorch & co. imports (kit/scan.py; policy in rubric.toml);
4. a grader process of its own (kit/grade_child.py) runs the copy's tests; when the batch runs
   as root, the student's code runs as a uid of its own per job slot (--uid-base + slot) with
   process, memory, file-size and CPU limits, and can write only its own directory;
5. the batch reads the test outcomes from the grader's pipe, validates them, and scores them
   against its OWN rubric; a time-out keeps the parts that finished;
6. leftover processes of the slot's uid are killed, the temporary directory removed, and the
   result stored in one transaction.
"""
from __future__ import annotations

import concurrent.futures
import datetime
import hashlib
import json
import multiprocessing
import os
import pwd
import queue
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from autograder.common.paths import AUTOGRADER_DIR
from autograder.common.policy import FORBIDDEN_MODULES
from autograder.grader.rubric import Part, Rubric
from kit import archive, exports, grade_child, scan, scratch
from kit.gradebook import Gradebook, Graded, PartResult

# Directories beside autograder/ that tests may read (data/mnist.npz): copied once per batch,
# linked into every grader copy (the kit checkout itself is hidden from the graders).
SHARED_DIRECTORIES = ("data",)
HIDDEN = "hidden"
MAX_MESSAGE = 1 << 20


@dataclass
class Settings:
    parts: List[Part]
    jobs: int = 2
    hidden: bool = False
    regrade: bool = False
    timeout: float = 600.0             # wall-clock seconds per submission
    call_timeout: float = 30.0         # per call into student code (AUTOGRADER_CALL_TIMEOUT)
    test_timeout: float = 300.0        # per test (pytest-timeout)
    memory_mb: int = 1024
    file_mb: int = 16
    max_processes: int = 64
    uid_base: int = 64000
    limits: archive.Limits = field(default_factory=archive.Limits)
    shared: Optional[Path] = None      # per-batch read-only copies of SHARED_DIRECTORIES
    progress: bool = True
    stop: threading.Event = field(default_factory=threading.Event)   # set on Ctrl-C


class Interrupted(Exception):
    """The batch is stopping: this submission's result is incomplete and must not be stored."""


# ---------------------------------------------------------------------------- versions
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def grader_version(settings: Settings) -> str:
    """A hash of the autograder's sources (hidden tests only when used) and the part selection."""
    digest = hashlib.sha256()
    for path in sorted(AUTOGRADER_DIR.rglob("*")):
        relative = path.relative_to(AUTOGRADER_DIR)
        if (not path.is_file() or "__pycache__" in relative.parts or path.suffix == ".pyc"
                or (relative.parts[0] == HIDDEN and not settings.hidden)):
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(("parts=" + ",".join(p.number for p in settings.parts)
                   + f";hidden={settings.hidden}").encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------- isolation
def isolating() -> bool:
    """Student code runs as other uids only when the batch runs as root."""
    return os.geteuid() == 0


def check_uids(settings: Settings) -> None:
    """The slot uids must belong to nobody: the batch kills every process they own."""
    if not isolating():
        return
    for slot in range(settings.jobs):
        uid = settings.uid_base + slot
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            continue
        raise SystemExit(f"error: uid {uid} belongs to the user '{name}'; choose --uid-base so "
                         f"that {settings.uid_base}..{settings.uid_base + settings.jobs - 1} "
                         "are unused")


def processes_where(match) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if match(entry):
                found.append(int(entry))
        except OSError:
            continue
    return found


def _uid_of(pid: str) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return -1


def kill_leftovers(uid: Optional[int], work: Path) -> None:
    """Kill whatever the submission left running (fork bombs, orphans of a killed grader)."""
    def match(pid: str) -> bool:
        if uid is not None and _uid_of(pid) == uid:
            return True
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return str(work).encode() in handle.read()
    for _ in range(20):
        pids = processes_where(match)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def hidden_paths(work: Optional[Path] = None) -> List[str]:
    """What student code must not see: this kit checkout (it holds the reference solution)."""
    root = AUTOGRADER_DIR.parent
    if work is not None and (work.resolve() == root or root in work.resolve().parents):
        return []
    return [str(root)]


SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def remove_files_of(uid: int) -> None:
    """Delete what the slot uid left in the shared temporary directories."""
    for directory in SHARED_TEMP:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid)
    for root, directories, files in os.walk(path):
        for name in directories + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


# ---------------------------------------------------------------------------- one submission
class Submission:
    def __init__(self, archive_path: Path, settings: Settings, version: str) -> None:
        self.path = archive_path
        self.id = archive_path.name[:-len(".tar")]
        self.settings = settings
        self.version = version
        self.sha256 = ""

    def result(self, status: str, reason: str, parts: List[PartResult], started: float) -> Graded:
        return Graded(self.id, self.sha256, self.version, status, reason, parts,
                      duration=time.monotonic() - started,
                      graded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(
                          timespec="seconds"))

    def zero_parts(self, feedback: str) -> List[PartResult]:
        return [PartResult(p.number, p.name, 0.0, p.points, feedback) for p in self.settings.parts]

    def grade(self, slot: int, context) -> Optional[Graded]:
        started = time.monotonic()
        work = scratch.make_dir("grade")
        uid = self.settings.uid_base + slot if isolating() else None
        try:
            return self._grade_in(work, uid, started, context)
        except Interrupted:
            return None
        except Exception as error:                         # noqa: BLE001 - one row, batch goes on
            return self.result("grader_error", f"the batch grader failed: {error}",
                               self.zero_parts("not graded: internal error"), started)
        finally:
            kill_leftovers(uid, work)
            if uid is not None:
                remove_files_of(uid)
            shutil.rmtree(work, ignore_errors=True)

    def _grade_in(self, work: Path, uid: Optional[int], started: float, context) -> Graded:
        settings = self.settings
        os.chmod(work, 0o711)
        target = work / "submission"
        target.mkdir(mode=0o700)
        try:
            extracted = archive.extract(self.path, target, settings.limits)
        except archive.BadArchive as error:
            return self.result("bad_archive", str(error), self.zero_parts(f"not graded: {error}"),
                               started)
        notes = list(extracted.notes)

        findings = scan.forbidden_imports(target, FORBIDDEN_MODULES)
        policy = Rubric().policy.get("forbidden_import", "submission")
        violation = ""
        if findings:
            violation = "forbidden import: " + "; ".join(map(str, findings[:5]))
            if policy != "parts":
                return self.result("violation", violation, self.zero_parts(
                    f"0 points: {violation} (numpy and the standard library only)"), started)

        grader_root = work / "grader"
        shutil.copytree(AUTOGRADER_DIR, grader_root / "autograder", ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", *(() if settings.hidden else (HIDDEN,))))
        for name in SHARED_DIRECTORIES:
            if settings.shared is not None and (settings.shared / name).is_dir():
                (grader_root / name).symlink_to(settings.shared / name)
        private = work / "private"
        private.mkdir(mode=0o700)
        scratch = work / "scratch"
        scratch.mkdir(mode=0o700)
        env = {"AUTOGRADER_CALL_TIMEOUT": str(settings.call_timeout),
               "AUTOGRADER_MEMORY_MB": str(settings.memory_mb),
               "AUTOGRADER_FILE_MB": str(settings.file_mb),
               "AUTOGRADER_MAX_PROCESSES": str(settings.max_processes),
               "TMPDIR": str(scratch), "HOME": str(scratch), "MPLCONFIGDIR": str(scratch),
               "MPLBACKEND": "Agg"}
        if uid is not None:
            env["AUTOGRADER_RUN_AS_UID"] = str(uid)
            chown_tree(target, uid)
            chown_tree(scratch, uid)
        job = {"grader_root": str(grader_root), "target": str(target), "env": env,
               "parts": [p.name for p in settings.parts], "hidden": settings.hidden,
               "log": str(private / "grader.log"), "test_timeout": settings.test_timeout,
               "cpu_seconds": int(settings.timeout) + 30, "hide": hidden_paths(work)}
        messages, timed_out, exitcode = self._run_grader(job, context)
        status, reason, parts = self.score(messages, timed_out)
        if status == "grader_error" and exitcode:
            log = (private / "grader.log").read_bytes()[-1500:].decode("utf-8", "replace")
            reason += f" (grader exit code {exitcode}; log tail: {log.strip()[-500:]})"
        if findings:
            parts = self.apply_part_policy(parts, findings, target, violation)
            status, reason = "violation", "; ".join(filter(None, [violation, reason]))
        reason = "; ".join(filter(None, [reason] + notes))
        return self.result(status, reason, parts, started)

    def _run_grader(self, job: dict, context) -> Tuple[List[dict], bool, Optional[int]]:
        """Run the grader process; return its validated messages, whether it timed out."""
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=grade_child.grade, args=(sending, job), daemon=True)
        process.start()
        sending.close()
        deadline = time.monotonic() + self.settings.timeout
        messages: List[dict] = []
        timed_out = False
        try:
            while True:
                remaining = deadline - time.monotonic()
                if self.settings.stop.is_set():
                    raise Interrupted()
                if remaining <= 0:
                    timed_out = True
                    break
                if not receiving.poll(min(remaining, 1.0)):
                    if not process.is_alive() and not receiving.poll(0):
                        break
                    continue
                try:
                    raw = receiving.recv_bytes(MAX_MESSAGE)
                except (EOFError, OSError):
                    break
                try:
                    message = json.loads(raw)
                except ValueError:
                    break
                if isinstance(message, dict):
                    messages.append(message)
                    if "done" in message or "grader_error" in message:
                        break
        finally:
            receiving.close()
            if process.pid:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
            process.join(5)
        return messages, timed_out, process.exitcode

    # ------------------------------------------------------------------ scoring
    def score(self, messages: List[dict], timed_out: bool) -> Tuple[str, str, List[PartResult]]:
        """Points per part from the grader's messages, against the batch's own rubric."""
        parts = {p.number: p for p in self.settings.parts}
        collected: Dict[str, Tuple[str, str]] = {}
        outcomes: Dict[str, Tuple[bool, str, float]] = {}
        done, error = None, ""
        for message in messages:
            if isinstance(message.get("collected"), list):
                for entry in message["collected"]:
                    if (isinstance(entry, list) and len(entry) == 3
                            and all(isinstance(x, str) for x in entry)
                            and entry[1] in parts and entry[2] in parts[entry[1]].checks):
                        collected[entry[0]] = (entry[1], entry[2])
            elif isinstance(message.get("outcome"), list) and len(message["outcome"]) == 6:
                nodeid, part, check, passed, text, duration = message["outcome"]
                if collected.get(nodeid) == (part, check) and isinstance(passed, bool):
                    outcomes[nodeid] = (passed, str(text), float(duration)
                                        if isinstance(duration, (int, float)) else 0.0)
            elif isinstance(message.get("done"), int):
                done = message["done"]
            elif "grader_error" in message:
                error = str(message["grader_error"])[:1000]

        results = []
        for p in self.settings.parts:
            points, lines, duration = 0.0, [], 0.0
            for check, max_points in p.checks.items():
                tests = [n for n, key in collected.items() if key == (p.number, check)]
                finished = [outcomes[n] for n in tests if n in outcomes]
                duration += sum(o[2] for o in finished)
                if tests and len(finished) == len(tests) and all(o[0] for o in finished):
                    points += max_points
                    continue
                failed = next(((n, o) for n in tests if n in outcomes
                               for o in [outcomes[n]] if not o[0]), None)
                if failed is not None:
                    lines.append(f"[{check}] " + _student_message(*failed))
                elif timed_out:
                    lines.append(f"[{check}] not finished: the submission ran out of time "
                                 f"({self.settings.timeout:g} s)")
                else:
                    lines.append(f"[{check}] no result (the grader stopped)")
            results.append(PartResult(p.number, p.name, points, p.points, "\n".join(lines),
                                      duration))
        if timed_out:
            return ("timeout", f"grading took longer than {self.settings.timeout:g} s; parts "
                    "finished before that are scored", results)
        if error or done not in (0, 1) or not collected:
            return "grader_error", f"the grader did not finish ({error or 'no final report'})", results
        return "ok", "", results

    def apply_part_policy(self, parts: List[PartResult], findings: List[scan.Finding],
                          target: Path, violation: str) -> List[PartResult]:
        """Policy "parts": zero the parts whose functions live in an offending file."""
        functions = set()
        for finding in findings:
            functions.update(scan.functions_in_file(target / finding.file))
        affected = {p.number for p in self.settings.parts if functions & set(p.functions)}
        return [PartResult(r.part, r.name, 0.0, r.max_points, f"0 points: {violation}",
                           r.duration) if r.part in affected else r for r in parts]


def _student_message(nodeid: str, outcome: Tuple[bool, str, float]) -> str:
    """A failed test's feedback; a hidden test's inputs are not revealed."""
    if "/hidden/" in nodeid or nodeid.startswith("hidden/"):
        return ("a hidden test failed (the public tests of this check may pass: try more "
                "shapes and edge cases)")
    return outcome[1]


# ---------------------------------------------------------------------------- the batch
def find_submissions(directory: Path) -> List[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(".tar") and p.is_file()
                  and len(p.name) > len(".tar"))


def make_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(grade_child.PRELOAD + ["kit.grade_child"])
    return context


def grade_batch(submissions_dir: Path, out: Path, settings: Settings) -> Dict[str, Graded]:
    """Grade every archive in ``submissions_dir``; write the gradebook and exports to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    check_uids(settings)
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
    if pending and not isolating():
        print("warning: not running as root, so student code runs under your own uid and the "
              "isolation is weaker (see README).", file=sys.stderr)
    if pending:
        grade_child.not_dumpable()            # same-uid code must not reach this process
        shared = scratch.make_dir("batch")
        try:
            os.chmod(shared, 0o755)
            for name in SHARED_DIRECTORIES:
                if (AUTOGRADER_DIR.parent / name).is_dir():
                    shutil.copytree(AUTOGRADER_DIR.parent / name, shared / name)
            settings.shared = shared
            _grade_pending(pending, book, settings)
        finally:
            shutil.rmtree(shared, ignore_errors=True)
    graded = book.load_all([p.name[:-len(".tar")] for p in archives])
    book.close()
    if pending or not (out / "grades.csv").exists():
        exports.export_all(out, settings.parts, graded)
    return graded


def check_isolation(context, settings: Settings) -> None:
    """As root, make sure a slot uid can run Python before grading anything."""
    if not isolating():
        return
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=grade_child.preflight,
                              args=(sending, settings.uid_base, hidden_paths()))
    process.start()
    sending.close()
    answer = receiving.recv_bytes(4096) if receiving.poll(120) else b"no answer"
    receiving.close()
    process.join(5)
    if answer != b"ok":
        raise SystemExit("error: student code cannot run as an unprivileged uid here ("
                         + answer.decode("utf-8", "replace").strip() + "). Install Python where "
                         "other users can run it, or give the grader CAP_SYS_ADMIN.")


def _grade_pending(pending: List[Submission], book: Gradebook, settings: Settings) -> None:
    from tqdm import tqdm

    context = make_context()
    check_isolation(context, settings)
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


def parse_parts(rubric: Rubric, selectors: Sequence[str]) -> List[Part]:
    return rubric.select(list(selectors))
