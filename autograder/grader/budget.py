"""A deadline for a whole grading run, split over the rubric's checks.

``AUTOGRADER_DEADLINE=SECONDS`` (set by the platform bundles; unset for ./grade.sh, which then
keeps each call's own time limit) bounds the time spent in the student's code for a whole
submission, so that a submission whose every function loops forever still gets its results
and feedback inside the platform's limit.

The rule: every check with tests still to run keeps a reserve, its share of the deadline in
proportion to its weight (1 per check; rubric.toml ``[platforms] time_weights`` gives Part 3's
training run a larger share). A call into student code may take its own time limit, but at
most the time left minus the reserves of the *other* checks still to come. So a check that
hangs spends its own share (plus what earlier checks left unused) and fails; every later
check still has its reserve; once a check's time is spent, its remaining calls fail at once
instead of waiting (``StudentProcess.run``).

Under the deadline (or without one) each test also has its own seconds of student code
(rubric.toml ``[time]``, ``TimeLimits``): the calls of one test draw on them, and the test's
pytest timeout is those seconds plus the grader's share, so pytest never interrupts a call
that is still inside its limit.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, Optional, Tuple

Key = Tuple[str, str]            # (part number, check)
OUT_OF_TIME = ("Not run: the time for this check is used up (an earlier call of your code in "
               "this check did not finish). Fix that one first.")
ACTIVE: Optional["Budget"] = None
TEST_ENDS: Optional[float] = None        # when the running test's seconds run out (monotonic)


@dataclass(frozen=True)
class TimeLimits:
    """rubric.toml ``[time]``: seconds of student code per test, and the grader's share."""
    call: float
    parts: Mapping[str, float]
    grader: float

    @classmethod
    def from_rubric(cls, table: Mapping, environ: Mapping[str, str] = os.environ) -> "TimeLimits":
        """The rubric's times; AUTOGRADER_CALL_TIMEOUT replaces ``call``."""
        call = environ.get("AUTOGRADER_CALL_TIMEOUT", "").strip() or table["call"]
        return cls(float(call), {k: float(v) for k, v in table.get("parts", {}).items()},
                   float(table["grader"]))

    def student_seconds(self, part_name: str) -> float:
        """What one test of the part may spend in the student's code, all its calls together."""
        return self.parts.get(part_name, self.call)

    def test_timeout(self, part_name: str) -> float:
        """The test's pytest timeout: its student seconds plus the grader's own work."""
        return self.student_seconds(part_name) + self.grader


class Budget:
    def __init__(self, seconds: float, weights: Dict[Key, float],
                 now: Optional[float] = None) -> None:
        self.deadline = (time.monotonic() if now is None else now) + seconds
        total = sum(weights.values()) or 1.0
        self.reserve = {key: seconds * weight / total for key, weight in weights.items()}
        self.pending: Dict[Key, int] = {key: 0 for key in weights}
        self.current: Optional[Key] = None

    def add_tests(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self.pending[key] = self.pending.get(key, 0) + 1
            self.reserve.setdefault(key, 0.0)

    def finished(self, key: Key) -> None:
        self.pending[key] = max(0, self.pending.get(key, 0) - 1)

    def allowed(self, requested: float, now: Optional[float] = None) -> float:
        """How long the next call may take (0: no time left for the current check)."""
        left = self.deadline - (time.monotonic() if now is None else now)
        others = sum(self.reserve[key] for key, count in self.pending.items()
                     if count and key != self.current)
        return max(0.0, min(requested, left - others))


def weights_for(keys: Iterable[Key], names: Dict[str, str],
                configured: Dict[str, float]) -> Dict[Key, float]:
    """Each check's weight: ``configured["<part name>.<check>"]``, else 1."""
    return {key: float(configured.get(f"{names[key[0]]}.{key[1]}", 1.0)) for key in keys}


def deadline_from_environment() -> Optional[float]:
    value = os.environ.get("AUTOGRADER_DEADLINE", "").strip()
    return float(value) if value and float(value) > 0 else None


def start_test(seconds: Optional[float]) -> None:
    """A test starts and may spend ``seconds`` in student code (None: no test is running)."""
    global TEST_ENDS
    TEST_ENDS = None if seconds is None else time.monotonic() + seconds


def limit(requested: Optional[float] = None) -> float:
    """How long the next call may take: ``requested`` or, by default, what the running test has
    left of its seconds; at most that either way, and cut to what the active deadline allows."""
    candidates = [] if requested is None else [requested]
    if TEST_ENDS is not None:
        candidates.append(TEST_ENDS - time.monotonic())
    if not candidates:
        raise ValueError("a call outside a test needs its own time limit")
    seconds = max(0.0, min(candidates))
    return seconds if ACTIVE is None else ACTIVE.allowed(seconds)
