"""Points: the one place where test outcomes become check results and part scores.

Every path uses it: ``./grade.sh`` (through the pytest plugin in ``results.py``), a batch
(which rebuilds the outcomes from the grader's validated messages), Gradescope and Autolab
(which run ``./grade.sh``'s entry point). A check's points are all-or-nothing: every test of
the check must have run and passed, and its part must not be forfeited by a forbidden import
(import_policy.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional

from autograder.grader.rubric import Part

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
    # What the grader measured and recorded (record_property), e.g. {"mnist_accuracy": 0.954}.
    measured: Dict[str, float] = field(default_factory=dict)
    # Set by score_checks from the other checks' public outcomes, for the feedback to name
    # first: the checks this test's check runs through that fail too ("1.2 [backward]"), and
    # whether the part of blocked_by has a failing check.
    failing_needs: List[str] = field(default_factory=list)
    blocked_part_fails: bool = False

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
    forfeited: str = ""          # why the check scores 0 whatever its tests say (import policy)

    @property
    def tests_passed(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def passed(self) -> bool:
        """The check earns its points."""
        return self.tests_passed and not self.forfeited

    @property
    def points(self) -> float:
        return self.max_points if self.passed else 0.0


def score_checks(parts: List[Part], outcomes: Iterable[TestOutcome],
                 forfeited: Optional[Mapping[str, str]] = None) -> List[CheckResult]:
    """One result per check of ``parts``, in rubric order, holding that check's outcomes;
    ``forfeited`` maps a part number to why its checks score 0 (ImportVerdict.forfeited)."""
    forfeited = forfeited or {}
    results = {(p.number, c): CheckResult(p, c, pts, forfeited=forfeited.get(p.number, ""))
               for p in parts for c, pts in p.checks.items()}
    for outcome in outcomes:
        key = (outcome.part, outcome.check)
        if key in results:
            results[key].tests.append(outcome)
    _mark_failing_needs(list(results.values()))
    return list(results.values())


def _mark_failing_needs(results: List[CheckResult]) -> None:
    """Give each failed test the checks its check needs (rubric ``needs``) that fail in a
    public test, and whether the part its error was raised in does (a hidden test's failure
    is not told through another check)."""
    from autograder.grader.visibility import is_hidden       # visibility imports this module
    failing = [r for r in results
               if any(not t.passed and not is_hidden(t.nodeid) for t in r.tests)]
    for r in results:
        needs = r.part.needs_of(r.check)
        names = [f"{o.part.number} [{o.check}]" for o in failing if o is not r
                 and ((o.part.name in needs and o.check not in o.part.conventions)
                      or f"{o.part.name}.{o.check}" in needs)]
        for outcome in r.tests:
            outcome.failing_needs = names if not outcome.passed else []
            outcome.blocked_part_fails = (not outcome.passed and bool(outcome.blocked_by) and
                                          any(o.part.number == outcome.blocked_by
                                              for o in failing))


def part_scores(results: List[CheckResult]) -> Dict[str, float]:
    """{part number: points} summed over the part's checks."""
    scores: Dict[str, float] = {}
    for r in results:
        scores[r.part.number] = scores.get(r.part.number, 0.0) + r.points
    return scores
