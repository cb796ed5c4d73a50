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
"""
from __future__ import annotations

import os
import time
from typing import Dict, Iterable, Optional, Tuple

Key = Tuple[str, str]            # (part number, check)
OUT_OF_TIME = ("Not run: the time for this check is used up (an earlier call of your code in "
               "this check did not finish). Fix that one first.")
ACTIVE: Optional["Budget"] = None


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


def limit(requested: float) -> float:
    """``requested`` seconds, cut to what the active budget allows (no budget: unchanged)."""
    return requested if ACTIVE is None else ACTIVE.allowed(requested)
