"""Grading catalogue entries: patch a copy of the solution, run the public grader on the entry's
part (``grade.sh --target COPY PART``), read its results.json. A mutant is *caught* when its
part loses points; a variant must keep full marks.

A mutant is graded with the parts a student has done before its own too (the work order,
catalogue.parts_before): it must lose its points *first* in the part that owns the function
it changes, so that the student who works in order meets the bug where it is.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List

from kit.paths import GRADE_SH
from kit.quality.catalogue import CatalogueError, Entry, apply, copy_solution, parts_before

PARALLEL = 2                 # grading runs at a time (CI has 2 cores)
GRADE_TIMEOUT = 900          # seconds for one grading run


@dataclass
class Outcome:
    """What the grader said about one entry."""
    entry: Entry
    score: float             # on the entry's own part
    max_score: float
    other_scores: Dict[str, tuple] = field(default_factory=dict)   # part -> (score, max)
    failed_checks: List[str] = field(default_factory=list)   # "2.4 [train]"
    first_message: str = ""  # the first line of the first failing check's feedback
    stdout: str = ""
    error: str = ""          # set when grading itself did not work

    @property
    def caught(self) -> bool:
        return not self.error and self.score < self.max_score

    @property
    def owning_first(self) -> bool:
        """Caught, and no part before its own in the work order lost points."""
        return self.caught and all(got == most for got, most in self.other_scores.values())

    @property
    def first_lost(self) -> List[str]:
        """The parts before its own that lost points."""
        return [part for part, (got, most) in self.other_scores.items() if got != most]

    @property
    def full_marks(self) -> bool:
        """Full marks on the entry's part and on every part in ``also``."""
        return (not self.error and self.score == self.max_score
                and all(got == most for got, most in self.other_scores.values()))


def grade(target: Path, parts: Iterable[str], json_path: Path) -> subprocess.CompletedProcess:
    """Run the public grader, exactly as a student would (plain text, no colour)."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(GRADE_SH), "--target", str(target), "--no-color",
                           "--json", str(json_path), *parts],
                          capture_output=True, text=True, env=env, timeout=GRADE_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def evaluate(entry: Entry, scratch: Path) -> Outcome:
    """Patch a copy of the solution, grade the entry's part, and read the results."""
    target = copy_solution(scratch / "target")
    apply(entry, target)
    results = scratch / "results.json"
    before = parts_before(entry.part) if entry.kind == "mutant" else []
    done = grade(target, entry.parts + [p for p in before if p not in entry.parts], results)
    if done.returncode != 0 or not results.is_file():
        return Outcome(entry, 0.0, 0.0, stdout=done.stdout,
                       error=f"grade.sh exited with {done.returncode}: {done.stderr[-2000:]}")
    tests = json.loads(results.read_text())["tests"]
    totals: Dict[str, List[float]] = {}
    for test in tests:
        total = totals.setdefault(str(test["number"]), [0.0, 0.0])
        total[0] += float(test["score"])
        total[1] += float(test["max_score"])
    own = totals.pop(entry.part, [0.0, 0.0])
    outcome = Outcome(entry, own[0], own[1], {p: tuple(t) for p, t in totals.items()},
                      stdout=done.stdout)
    for test in sorted(tests, key=lambda t: str(t["number"]) != entry.part):   # its own first
        if test["status"] != "passed":
            check = test["name"].rsplit(": ", 1)[-1]
            outcome.failed_checks.append(f"{test['number']} [{check}]")
            if not outcome.first_message:
                feedback = (test.get("output") or "").strip().splitlines()
                outcome.first_message = feedback[0] if feedback else ""
    return outcome


def run(entries: List[Entry], parallel: int = PARALLEL) -> List[Outcome]:
    """Evaluate every entry, ``parallel`` grading runs at a time; results in catalogue order."""
    def one(entry: Entry) -> Outcome:
        with tempfile.TemporaryDirectory(prefix=f"mutant-{entry.id}-") as scratch:
            try:
                return evaluate(entry, Path(scratch))
            except CatalogueError as error:
                return Outcome(entry, 0.0, 0.0, error=str(error))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, entries))
