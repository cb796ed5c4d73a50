"""What a grading run prints and writes: the score table, Autolab's and Gradescope's formats."""
from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Optional

from autograder.grader import visibility
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
    """A failed test's message, after what it waits for when that fails too: another part's
    function that raised, or checks it runs through (rubric.toml's ``needs``).

    A hidden test's message is masked here (visibility.py), for every output path."""
    first, last = [], []
    if outcome.blocked_by:
        error = outcome.error
        if outcome.not_implemented:
            first.append(f"This check needs {error['function']} from Part {error['part']} "
                         "first (it is not implemented yet).")
        else:
            note = (f"The error was raised in {error['function']}, which belongs to Part "
                    f"{error['part']}: if that part fails too, fix it first.")
            (first if outcome.blocked_part_fails else last).append(note)
    if outcome.failing_needs and not outcome.not_implemented:    # a stub says it already
        needs = outcome.failing_needs
        first.append(f"This check runs through {', '.join(needs)}, which "
                     f"{'fails' if len(needs) == 1 else 'fail'} too: fix "
                     f"{'that' if len(needs) == 1 else 'those'} first, then grade this again.")
    return "\n".join(first + [visibility.student_message(outcome) or "failed"] + last)


def feedback_text(results: List[CheckResult], verbose: bool, style: Style) -> str:
    """What the forbidden-import policy costs, if anything; then one block per failed check:
    the first failing test's message, public tests first (all of them with -v).

    Without -v, checks that only reached a stub are listed one line each at the end, so the
    report of an untouched handout fits on one screen.
    """
    failed = [r for r in results if not r.tests_passed]
    stubbed = [] if verbose else [r for r in failed if r.tests
                                   and visibility.first_failure(r).not_implemented]
    blocks = [_forfeit_block(results, style)]
    blocks += [_failure_block(r, verbose, style) for r in failed if r not in stubbed]
    if stubbed:
        blocks.append(_stub_table(stubbed, style))
    return "\n\n".join(filter(None, blocks))


def _forfeit_block(results: List[CheckResult], style: Style) -> str:
    """One line per reason that zeroes parts whatever their tests say (import_policy.py)."""
    parts: Dict[str, List[str]] = {}
    for r in results:
        if r.forfeited and r.part.number not in parts.setdefault(r.forfeited, []):
            parts[r.forfeited].append(r.part.number)
    return "\n".join(style.bad("0 points") + f" for Part{'s' * (len(numbers) > 1)} "
                     f"{', '.join(numbers)}: {reason}" for reason, numbers in parts.items())


def _failure_block(r: CheckResult, verbose: bool, style: Style) -> str:
    header = style.bad("FAIL") + f" {r.part.label} [{r.check}]"
    if not r.tests:
        return f"{header}\n  no test ran for this check"
    lines = [header]
    if not verbose:
        message = failure_text(visibility.first_failure(r)).splitlines()
        if len(message) > MAX_FEEDBACK_LINES:
            message = message[:MAX_FEEDBACK_LINES] + ["  ... (./grade.sh -v shows everything)"]
        lines.extend("  " + line for line in message)
        return "\n".join(lines)
    # -v: every failing test, those with the same message (often a stub) shown once.
    by_message: Dict[str, List[str]] = {}
    for t in visibility.failures(r):
        by_message.setdefault(failure_text(t), []).append(visibility.test_name(t))
    for message, names in by_message.items():
        more = f" and {len(names) - 1} more with the same message" if len(names) > 1 else ""
        lines.append(f"  test {names[0]}{more}:")
        lines.extend("  " + line for line in message.splitlines())
    return "\n".join(lines)


def _stub_table(stubbed: List[CheckResult], style: Style) -> str:
    """One line per check that stopped at a stub: part, check, the stub reached, where."""
    lines = [style.warn("Not implemented yet") + " (each check stops at the first stub it reaches):"]
    check_width = max(len(r.check) for r in stubbed) + 2
    function_width = max(len(visibility.first_failure(r).error["function"]) for r in stubbed) + 2
    for r in stubbed:
        shown = visibility.first_failure(r)
        error = shown.error
        needs = f"  <- needs Part {error['part']} first" if shown.blocked_by else ""
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


def measured(results: List[CheckResult], name: str) -> Optional[float]:
    """A value the grader measured and recorded (e.g. "mnist_accuracy"), if a test did."""
    return next((t.measured[name] for r in results for t in r.tests if name in t.measured), None)


def autolab_line(parts: List[Part], results: List[CheckResult]) -> str:
    """Autolab reads the last line of output: {"scores": {problem name: points}}, and the
    scoreboard (the total, then the MNIST accuracy in % that the grader measured, 0 if none)."""
    scores = part_scores(results)
    total = sum(scores.get(p.number, 0.0) for p in parts)
    accuracy = measured(results, "mnist_accuracy")
    return json.dumps({"scores": {p.name: scores.get(p.number, 0.0) for p in parts},
                       "scoreboard": [total, round(100 * (accuracy or 0.0), 2)]})


def gradescope_results(parts: List[Part], results: List[CheckResult],
                       execution_time: float, verbose: bool = False,
                       hidden_visibility: Optional[str] = None) -> dict:
    """Gradescope's results.json: one test entry per rubric check.

    A check that includes hidden tests gets ``hidden_visibility`` (rubric.toml [platforms]);
    its output, like every other, goes through the masking rule (failure_text). The top-level
    output (always visible) holds the feedback of the checks shown now, so it tells nothing
    about a hidden test before the instructor's chosen time either."""
    shown = visibility.hidden_visibility(hidden_visibility)
    tests, now = [], []
    for r in results:
        failure = visibility.first_failure(r)
        later = visibility.includes_hidden(r) and shown != "visible"
        if not later:
            now.append(r)
        tests.append({"name": f"{r.part.label}: {r.check}", "number": r.part.number,
                      "score": r.points, "max_score": r.max_points,
                      "status": "passed" if r.passed else "failed",
                      "output": _check_output(r, failure),
                      "tags": [r.part.name], "visibility": shown if later else "visible"})
    output = feedback_text(now, verbose, PLAIN)
    if len(now) < len(results):
        output += ("\n\n" if output else "") + "Checks that include hidden tests are shown " + {
            "after_due_date": "after the due date.", "after_published": "once grades are "
            "published.", "hidden": "to the course staff only."}[shown]
    data = {"score": sum(r.points for r in results), "execution_time": round(execution_time, 2),
            "output": output, "output_format": "text", "test_output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    accuracy = measured(results, "mnist_accuracy")
    if accuracy is not None:
        data["leaderboard"] = [{"name": "MNIST accuracy (%)", "value": round(100 * accuracy, 2)}]
    return data


def _check_output(r: CheckResult, failure: Optional[TestOutcome]) -> str:
    """A Gradescope test's output: why the check lost its points ("" when it did not)."""
    if r.passed:
        return ""
    lines = [f"0 points: {r.forfeited}"] if r.forfeited else []
    if failure is not None:
        lines.append(failure_text(failure))
    elif not r.tests:
        lines.append("no test ran")
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:g}"
