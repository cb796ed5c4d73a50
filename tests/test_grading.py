"""The end-to-end promises: full marks for the reference, zero for the handout, exact scores."""
import json
import re

import pytest

from autograder.grader.rubric import Rubric
from conftest import grade

RUBRIC = Rubric()
HW1 = RUBRIC.select(["1"])


def test_reference_solution_gets_full_marks(tmp_path):
    results = tmp_path / "results.json"
    graded = grade("--target", "solution", "--json", str(results))
    assert graded.returncode == 0, graded.stderr
    assert graded.scores == {p.name: p.points for p in RUBRIC.parts}, graded.stdout
    assert f"Total: {RUBRIC.total:g}/{RUBRIC.total:g}" in graded.stdout
    assert "FAIL" not in graded.stdout

    gradescope = json.loads(results.read_text())
    assert gradescope["score"] == RUBRIC.total
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in gradescope["tests"])
    assert len(gradescope["tests"]) == sum(len(p.checks) for p in RUBRIC.parts)


def test_historical_parts_are_worth_100():
    assert sum(p.points for p in HW1) == 100
    assert [p.number for p in HW1] == ["1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]


def test_untouched_handout_gets_zero_with_every_part_explained():
    graded = grade()
    assert graded.returncode == 0, graded.stderr
    assert graded.total == 0
    assert set(graded.scores) == {p.name for p in RUBRIC.parts}
    assert "Traceback" not in graded.stdout + graded.stderr
    # Untouched stubs are listed one line per check (part, check, the stub reached, where).
    assert graded.stdout.count("Not implemented yet") == 1
    for part in RUBRIC.parts:
        for check in part.checks:
            row = re.compile(rf"^  {re.escape(part.number)} +{check} +\S+ +\S+\.py:\d+",
                             re.MULTILINE)
            assert row.search(graded.stdout), f"no line for {part.number} [{check}]"
    assert "FAIL" not in graded.stdout
    assert len(graded.stdout.splitlines()) <= 50, "the untouched handout's report must fit one screen"


@pytest.mark.slow
def test_part_selection_by_name_and_number():
    graded = grade("--target", "solution", "linear", "2.5")
    assert graded.scores == {"linear": 5.0, "cross_entropy": 15.0}
    graded = grade("--target", "solution", "1")
    assert graded.scores == {p.name: p.points for p in HW1}


def test_unknown_part_is_a_clear_usage_error():
    graded = grade("no-such-part")
    assert graded.returncode == 2
    assert "unknown part 'no-such-part'" in graded.stderr
    assert "Traceback" not in graded.stderr


def test_missing_target_is_a_clear_usage_error(tmp_path):
    graded = grade("--target", str(tmp_path / "nowhere"))
    assert graded.returncode == 2
    assert "is not a directory" in graded.stderr


def test_empty_target_scores_zero_without_traceback(tmp_path):
    graded = grade("--target", str(tmp_path), "1.1", "2.3")
    assert graded.returncode == 0
    assert graded.scores == {"arithmetic": 0.0, "sgd": 0.0}
    assert "no mytorch/ directory" in graded.stdout
    assert "could not be imported" in graded.stdout
    assert "Traceback" not in graded.stdout + graded.stderr
