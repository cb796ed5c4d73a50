"""A batch's scores: the grader's pipe messages, validated, scored by the autograder's own
``score_checks`` (the function behind ``./grade.sh``), with the batch's feedback rules.

The messages come from a process that ran student code, so they are checked against the
batch's own rubric, and their text is made printable and cut to a length before it is stored
(autograder/common/printable.py): a test counts only when it was announced in ``collected`` under a part
and check of that rubric, and its ``outcome`` names the same part and check. A collected test
without an outcome (time-out, crash) fails its check. Feedback per part: what a forbidden
import costs it (autograder/grader/import_policy.py), then per check the first failed test's
message, public tests first (a hidden test's inputs are never shown), else why no result came.

The status is ``grader_error``, never ``ok``, when points may have been lost to something
other than the student's code: the grader did not finish, or it reported a ``fault`` (the
student process killed from outside, or dead before any student code ran:
autograder/grader/student_exit.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Set, Tuple

from autograder.common.printable import FEEDBACK_CHARS, MESSAGE_CHARS, printable
from autograder.grader.rubric import Part
from autograder.grader import visibility
from autograder.grader.scoring import CheckResult, TestOutcome, part_scores, score_checks
from kit.gradebook.records import CheckOutcome, PartResult

HIDDEN_FAILURE = visibility.HIDDEN_FAILURE


@dataclass
class Messages:
    """What the grader reported, once validated."""
    outcomes: Dict[str, TestOutcome] = field(default_factory=dict)   # every collected test
    finished: Set[str] = field(default_factory=set)                   # those with an outcome
    done: object = None
    error: str = ""
    faults: List[str] = field(default_factory=list)


def validate(messages: List[dict], parts: List[Part]) -> Messages:
    """Keep the well-formed messages about the batch's own parts and checks."""
    by_number = {p.number: p for p in parts}
    found = Messages()
    for message in messages:
        if isinstance(message.get("collected"), list):
            for entry in message["collected"]:
                if (isinstance(entry, list) and len(entry) == 3
                        and all(isinstance(x, str) for x in entry)
                        and entry[1] in by_number and entry[2] in by_number[entry[1]].checks):
                    found.outcomes[entry[0]] = TestOutcome(entry[0], entry[1], entry[2])
        elif isinstance(message.get("outcome"), list) and len(message["outcome"]) == 6:
            nodeid, part, check, passed, text, duration = message["outcome"]
            known = found.outcomes.get(nodeid)
            if known is not None and (known.part, known.check) == (part, check) \
                    and isinstance(passed, bool):
                known.passed, known.message = passed, printable(str(text), FEEDBACK_CHARS)
                known.duration = float(duration) if isinstance(duration, (int, float)) else 0.0
                found.finished.add(nodeid)
        elif isinstance(message.get("done"), int):
            found.done = message["done"]
        elif "grader_error" in message:
            found.error = printable(str(message["grader_error"]), MESSAGE_CHARS)
        elif isinstance(message.get("fault"), str):
            found.faults.append(printable(message["fault"], MESSAGE_CHARS))
    return found


def student_message(outcome: TestOutcome) -> str:
    """A failed test's feedback; a hidden test's inputs are not revealed (the one rule, in
    autograder/grader/visibility.py)."""
    return visibility.student_message(outcome)


def check_feedback(result: CheckResult, finished: Set[str], timed_out: bool,
                   timeout: float) -> str:
    """One line for a check that did not pass."""
    failed = visibility.first_failure(result, among=finished)
    if failed is not None:
        return f"[{result.check}] " + student_message(failed)
    if timed_out:
        return f"[{result.check}] not finished: the submission ran out of time ({timeout:g} s)"
    return f"[{result.check}] no result (the grader stopped)"


def score(messages: List[dict], parts: List[Part], timed_out: bool, timeout: float,
          forfeited: Optional[Mapping[str, str]] = None) -> Tuple[str, str, List[PartResult]]:
    """(status, reason, one PartResult per part) from the grader's messages; ``forfeited``:
    the parts a forbidden import costs (ImportVerdict.forfeited)."""
    found = validate(messages, parts)
    checks = score_checks(parts, found.outcomes.values(), forfeited)
    points = part_scores(checks)
    results = []
    for p in parts:
        own = [r for r in checks if r.part.number == p.number]
        lines = [f"0 points: {forfeited[p.number]}"] if forfeited and p.number in forfeited else []
        lines += [check_feedback(r, found.finished, timed_out, timeout)
                  for r in own if not r.tests_passed]
        duration = sum(t.duration for r in own for t in r.tests)
        results.append(PartResult(p.number, p.name, points.get(p.number, 0.0), p.points,
                                  printable("\n".join(lines), FEEDBACK_CHARS), duration,
                                  [CheckOutcome(r.check, r.points, r.max_points, r.passed)
                                   for r in own]))
    if found.faults:
        return ("grader_error", f"the student process failed for a reason outside the "
                f"student's code ({len(found.faults)} time(s)): {found.faults[0]}", results)
    if timed_out:
        return ("timeout", f"grading took longer than {timeout:g} s; parts finished before "
                "that are scored", results)
    if found.error or found.done not in (0, 1) or not found.outcomes:
        return ("grader_error", f"the grader did not finish ({found.error or 'no final report'})",
                results)
    return "ok", "", results
