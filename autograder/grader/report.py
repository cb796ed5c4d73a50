"""What a grading run prints and writes: the score table, Autolab's and Gradescope's formats."""
from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Optional

from autograder.grader.scoring import CheckResult, TestOutcome, part_scores
from autograder.grader.rubric import Part

MAX_FEEDBACK_LINES = 12


class Style:
    """ANSI colour when writing to a terminal that supports it; plain text otherwise."""

    def __init__(self, stream=sys.stdout, colour: Optional[bool] = None) -> None:
        if colour is None:
            colour = (hasattr(stream, "isatty") and stream.isatty()
                      and os.environ.get("TERM", "") not in ("", "dumb")
                      and not os.environ.get("NO_COLOR"))          # no-color.org: set, non-empty
        self.colour = bool(colour)

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def warn(self, text: str) -> str:
        return self._wrap("33", text)


PLAIN = Style(colour=False)


def failure_text(outcome: TestOutcome) -> str:
    """A failed test's message, plus what it waits for when another part's function raised."""
    text = outcome.message or "failed"
    if outcome.blocked_by:
        error = outcome.error
        if outcome.not_implemented:
            text += (f"\nThis check needs {error['function']} from Part {error['part']} first "
                     "(it is not implemented yet).")
        else:
            text += (f"\nThe error was raised in {error['function']}, which belongs to Part "
                     f"{error['part']}: if that part fails too, fix it first.")
    return text


def feedback_text(results: List[CheckResult], verbose: bool, style: Style) -> str:
    """One block per failed check: the first failing test's message (all of them with -v).

    Without -v, checks that only reached a stub are listed one line each at the end, so the
    report of an untouched handout fits on one screen.
    """
    failed = [r for r in results if not r.passed]
    stubbed = [] if verbose else [r for r in failed if r.tests and r.first_failure.not_implemented]
    blocks = [_failure_block(r, verbose, style) for r in failed if r not in stubbed]
    if stubbed:
        blocks.append(_stub_table(stubbed, style))
    return "\n\n".join(blocks)


def _failure_block(r: CheckResult, verbose: bool, style: Style) -> str:
    header = style.bad("FAIL") + f" {r.part.label} [{r.check}]"
    if not r.tests:
        return f"{header}\n  no test ran for this check"
    lines = [header]
    if not verbose:
        message = failure_text(r.first_failure).splitlines()
        if len(message) > MAX_FEEDBACK_LINES:
            message = message[:MAX_FEEDBACK_LINES] + ["  ... (./grade.sh -v shows everything)"]
        lines.extend("  " + line for line in message)
        return "\n".join(lines)
    # -v: every failing test, those with the same message (often a stub) shown once.
    by_message: Dict[str, List[str]] = {}
    for t in r.tests:
        if not t.passed:
            by_message.setdefault(failure_text(t), []).append(t.nodeid.split("::")[-1])
    for message, names in by_message.items():
        more = f" and {len(names) - 1} more with the same message" if len(names) > 1 else ""
        lines.append(f"  test {names[0]}{more}:")
        lines.extend("  " + line for line in message.splitlines())
    return "\n".join(lines)


def _stub_table(stubbed: List[CheckResult], style: Style) -> str:
    """One line per check that stopped at a stub: part, check, the stub reached, where."""
    lines = [style.warn("Not implemented yet") + " (each check stops at the first stub it reaches):"]
    check_width = max(len(r.check) for r in stubbed) + 2
    function_width = max(len(r.first_failure.error["function"]) for r in stubbed) + 2
    for r in stubbed:
        error = r.first_failure.error
        needs = f"  <- needs Part {error['part']} first" if r.first_failure.blocked_by else ""
        lines.append(f"  {r.part.number:<5}{r.check:<{check_width}}"
                     f"{error['function']:<{function_width}}{error['where']}{needs}")
    return "\n".join(lines)


def score_table(parts: List[Part], results: List[CheckResult], style: Style) -> str:
    scores = part_scores(results)
    rows = [f"{'Part':<6}{'Name':<24}{'Score':>9}", "-" * 39]
    for p in parts:
        got = scores.get(p.number, 0.0)
        text = f"{_num(got)}/{_num(p.points)}"
        text = style.good(f"{text:>9}") if got == p.points else style.bad(f"{text:>9}") if got == 0 else f"{text:>9}"
        rows.append(f"{p.number:<6}{p.title:<24}{text}")
    rows.append("-" * 39)
    got_total = sum(scores.get(p.number, 0.0) for p in parts)
    rows.append(style.bold(f"Total: {_num(got_total)}/{_num(sum(p.points for p in parts))}"))
    return "\n".join(rows)


def autolab_line(parts: List[Part], results: List[CheckResult]) -> str:
    """Autolab reads the last line of output: {"scores": {problem name: points}}."""
    scores = part_scores(results)
    total = sum(scores.get(p.number, 0.0) for p in parts)
    return json.dumps({"scores": {p.name: scores.get(p.number, 0.0) for p in parts},
                       "scoreboard": [total]})


def gradescope_results(parts: List[Part], results: List[CheckResult],
                       execution_time: float, output: str = "") -> dict:
    """Gradescope's results.json: one test entry per rubric check."""
    tests = []
    for r in results:
        failure = r.first_failure
        tests.append({"name": f"{r.part.label}: {r.check}", "number": r.part.number,
                      "score": r.points, "max_score": r.max_points,
                      "status": "passed" if r.passed else "failed",
                      "output": "" if r.passed else (failure_text(failure) if failure
                                                     else "no test ran"),
                      "tags": [r.part.name], "visibility": "visible"})
    return {"score": sum(r.points for r in results), "execution_time": round(execution_time, 2),
            "output": output, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def _num(value: float) -> str:
    return f"{value:g}"
