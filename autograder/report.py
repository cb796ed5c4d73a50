"""What a grading run prints and writes: the score table, Autolab's and Gradescope's formats."""
from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Optional

from autograder.results import CheckResult
from autograder.rubric import Part

MAX_FEEDBACK_LINES = 12


def part_scores(results: List[CheckResult]) -> Dict[str, float]:
    scores: Dict[str, float] = {}
    for r in results:
        scores[r.part.number] = scores.get(r.part.number, 0.0) + r.points
    return scores


class Style:
    """ANSI colour when writing to a terminal that supports it; plain text otherwise."""

    def __init__(self, stream=sys.stdout, colour: Optional[bool] = None) -> None:
        if colour is None:
            colour = (hasattr(stream, "isatty") and stream.isatty()
                      and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ)
        self.colour = colour

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)


def feedback_text(results: List[CheckResult], verbose: bool, style: Style) -> str:
    """One block per failed check: the first failing test's message (all of them with -v)."""
    blocks = []
    for r in results:
        if r.passed:
            continue
        failures = [t for t in r.tests if not t.passed] if verbose else [r.first_failure]
        header = style.bad("FAIL") + f" {r.part.label} [{r.check}]"
        if not r.tests:
            blocks.append(f"{header}\n  no test ran for this check")
            continue
        lines = [header]
        for t in failures:
            message = t.message.splitlines() or ["failed"]
            if not verbose and len(message) > MAX_FEEDBACK_LINES:
                message = message[:MAX_FEEDBACK_LINES] + ["  ... (./grade.sh -v shows everything)"]
            if verbose:
                lines.append(f"  test {t.nodeid.split('::')[-1]}:")
            lines.extend("  " + line for line in message)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


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
                      "output": "" if r.passed else (failure.message if failure else "no test ran"),
                      "tags": [r.part.name], "visibility": "visible"})
    return {"score": sum(r.points for r in results), "execution_time": round(execution_time, 2),
            "output": output, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def _num(value: float) -> str:
    return f"{value:g}"
