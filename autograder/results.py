"""Collects the outcome of every autograder test, and turns outcomes into points."""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import pytest

from autograder.compare import GradingFailure
from autograder.rubric import Part, Rubric
from autograder.student import StudentCodeError


def part_and_check(item: pytest.Item, rubric: Rubric) -> Tuple[Part, str]:
    """The rubric part (from the part's marker) and check (from @pytest.mark.check) of a test."""
    parts = [rubric.by_name[m.name] for m in item.iter_markers() if m.name in rubric.by_name]
    checks = [m.args[0] for m in item.iter_markers("check")]
    if len(parts) != 1 or len(checks) != 1 or checks[0] not in parts[0].checks:
        raise pytest.UsageError(f"{item.nodeid}: every autograder test needs one part marker "
                                "and one @pytest.mark.check(name) listed in rubric.toml")
    return parts[0], checks[0]


@dataclass
class TestOutcome:
    nodeid: str
    part: str
    check: str
    passed: bool = False
    message: str = ""
    duration: float = 0.0
    # Set when the student's code raised: its type and where ({"kind", "function", "part", "where"}).
    error: Optional[Dict[str, str]] = None

    @property
    def not_implemented(self) -> bool:
        return bool(self.error) and self.error["kind"] == "NotImplementedError"

    @property
    def blocked_by(self) -> str:
        """The other part whose function raised, when the error is not in this test's part."""
        if self.error and self.error["part"] and self.error["part"] != self.part:
            return self.error["part"]
        return ""


@dataclass
class CheckResult:
    part: Part
    check: str
    max_points: float
    tests: List[TestOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def points(self) -> float:
        return self.max_points if self.passed else 0.0

    @property
    def first_failure(self) -> Optional[TestOutcome]:
        return next((t for t in self.tests if not t.passed), None)


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

    def check_results(self, parts: List[Part]) -> List[CheckResult]:
        results = {(p.number, c): CheckResult(p, c, pts) for p in parts for c, pts in p.checks.items()}
        for outcome in self.outcomes.values():
            key = (outcome.part, outcome.check)
            if key in results:
                results[key].tests.append(outcome)
        return list(results.values())


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
