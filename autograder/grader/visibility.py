"""What a student may see of a hidden test: the one masking rule, used on every path.

A hidden test (a test under ``autograder/hidden/``) counts for its check like any other, but
nothing it knows reaches a student: not its message (inputs, shapes, expected or received
values, hints), not its name (a parametrized name holds its inputs). ``./grade.sh --hidden``,
Autolab's output, Gradescope's results.json (``report.py``) and a batch's feedback
(``kit/batch/scoring.py``) all go through ``student_message`` and ``test_name``.

On Gradescope, a check that includes hidden tests is shown with the visibility the instructor
chooses in rubric.toml (``[platforms] hidden_visibility``), since even its score says whether
the hidden tests passed.
"""
from __future__ import annotations

from typing import Collection, List, Optional

from autograder.grader.scoring import CheckResult, TestOutcome

HIDDEN_FAILURE = ("a hidden test failed (the public tests of this check may pass: try more "
                  "shapes and edge cases)")
HIDDEN_NAME = "a hidden test"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
DEFAULT_HIDDEN_VISIBILITY = "after_due_date"


def is_hidden(nodeid: str) -> bool:
    """A test collected from autograder/hidden/ (node ids are relative to the rootdir)."""
    return "/hidden/" in nodeid or nodeid.startswith("hidden/")


def student_message(outcome: TestOutcome) -> str:
    """A failed test's feedback as a student may read it."""
    return HIDDEN_FAILURE if is_hidden(outcome.nodeid) else outcome.message


def test_name(outcome: TestOutcome) -> str:
    """A test's name as a student may read it (a hidden test's parameters are its inputs)."""
    return HIDDEN_NAME if is_hidden(outcome.nodeid) else outcome.nodeid.split("::")[-1]


def includes_hidden(result: CheckResult) -> bool:
    return any(is_hidden(t.nodeid) for t in result.tests)


def hidden_visibility(setting: object) -> str:
    """The rubric's [platforms] hidden_visibility, checked (the default when unset)."""
    if setting is None:
        return DEFAULT_HIDDEN_VISIBILITY
    if setting not in VISIBILITIES:
        raise ValueError(f"rubric.toml [platforms] hidden_visibility = {setting!r}: use one of "
                         + ", ".join(VISIBILITIES))
    return str(setting)


def failures(result: CheckResult, among: Optional[Collection[str]] = None) -> List[TestOutcome]:
    """A check's failed tests (only those whose node id is in ``among``, when given) in the
    order a student sees them: every public one before any hidden one, since a public test's
    message helps and a hidden one's is masked."""
    failed = [t for t in result.tests if not t.passed and (among is None or t.nodeid in among)]
    return sorted(failed, key=lambda t: is_hidden(t.nodeid))


def first_failure(result: CheckResult, among: Optional[Collection[str]] = None
                  ) -> Optional[TestOutcome]:
    """The failure to show for a check (``failures``' first), or None."""
    return next(iter(failures(result, among)), None)
