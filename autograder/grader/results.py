"""Collects the outcome of every autograder test during a pytest run."""
from __future__ import annotations

import traceback
from typing import Dict, List, Optional, Tuple

import pytest

from autograder.grader.compare import GradingFailure
from autograder.grader.rubric import Part, Rubric
from autograder.grader.scoring import CheckResult, TestOutcome, score_checks
from autograder.grader.student_errors import StudentCodeError


def part_and_check(item: pytest.Item, rubric: Rubric) -> Tuple[Part, str]:
    """The rubric part (from the part's marker) and check (from @pytest.mark.check) of a test."""
    parts = [rubric.by_name[m.name] for m in item.iter_markers() if m.name in rubric.by_name]
    checks = [m.args[0] for m in item.iter_markers("check")]
    if len(parts) != 1 or len(checks) != 1 or checks[0] not in parts[0].checks:
        raise pytest.UsageError(f"{item.nodeid}: every autograder test needs one part marker "
                                "and one @pytest.mark.check(name) listed in rubric.toml")
    return parts[0], checks[0]


class ResultCollector:
    """A pytest plugin recording each test's outcome and feedback message."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.outcomes: Dict[str, TestOutcome] = {}

    def pytest_collection_modifyitems(self, items: list) -> None:
        for item in items:
            part, check = part_and_check(item, self.rubric)
            self.outcomes[item.nodeid] = TestOutcome(item.nodeid, part.number, check,
                                                     message="not run")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = (yield).get_result()
        outcome = self.outcomes.get(item.nodeid)
        if outcome is None:
            return
        if report.when == "call":
            outcome.measured = {name: float(value) for name, value in report.user_properties
                                if isinstance(value, (int, float))}
            outcome.duration = report.duration
            outcome.passed = report.passed
            outcome.message = "" if report.passed else _message(call)
        elif report.failed:                      # set-up or tear-down went wrong
            outcome.passed = False
            outcome.message = _message(call)
        if not outcome.passed and call.excinfo is not None:
            error = call.excinfo.value
            if isinstance(error, StudentCodeError) and error.kind:
                outcome.error = {"kind": error.kind, "function": error.function,
                                 "part": error.part, "where": error.where}

    def check_results(self, parts: List[Part],
                      forfeited: Optional[Dict[str, str]] = None) -> List[CheckResult]:
        return score_checks(parts, self.outcomes.values(), forfeited)


def _message(call: pytest.CallInfo) -> str:
    excinfo = call.excinfo
    if excinfo is None:
        return "failed"
    if isinstance(excinfo.value, GradingFailure):
        return str(excinfo.value)
    if excinfo.typename == "Failed" and "Timeout" in str(excinfo.value):
        return f"The check ran out of time: {excinfo.value}"
    lines = traceback.format_exception_only(excinfo.type, excinfo.value)
    return "Internal error in the grader (please report it):\n" + "".join(lines).strip()
