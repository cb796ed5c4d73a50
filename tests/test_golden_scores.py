"""Every tree the kit knows keeps its part scores through a refactor of the grader.

tests/golden/part_scores.json holds the scores of the reference and the handout (every part,
the optional track too), the compatibility implementations (tests/compat/) and every catalogue
entry (tests/mutants/), recorded from main before a change that must not change any grade. A
change that means to change grades records them anew, and the diff of that file shows which:

    GOLDEN_UPDATE=1 python3 -m pytest tests/test_golden_scores.py -m slow
"""
from __future__ import annotations

import json
import os

import pytest

from conftest import grade
from kit.paths import HANDOUT, ROOT, SOLUTION
from test_compat import ALLOWED_FAILURES, implementation

GOLDEN = ROOT / "tests" / "golden" / "part_scores.json"
EVERY_PART = ["1", "3", "4", "5"]               # selectors: Parts 1-2, 3, 4 and the track


def part_scores(results_json) -> dict:
    """{part number: points} from a --json results file."""
    scores: dict = {}
    for test in json.loads(results_json.read_text())["tests"]:
        scores[str(test["number"])] = scores.get(str(test["number"]), 0.0) + test["score"]
    return dict(sorted(scores.items()))


def graded(target, parts, where) -> dict:
    where.mkdir()
    results = where / "results.json"
    done = grade("--target", str(target), "--json", str(results), *parts, timeout=900)
    assert done.returncode == 0, done.stderr
    return part_scores(results)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_every_known_tree_scores_as_recorded(catalogue_outcomes, tmp_path):
    now = {"reference": graded(SOLUTION, EVERY_PART, tmp_path / "reference"),
           "handout": graded(HANDOUT, EVERY_PART, tmp_path / "handout")}
    for name in ALLOWED_FAILURES:
        now[f"compat/{name}"] = graded(implementation(name, tmp_path), [],
                                         tmp_path / f"{name}-results")
    for entry_id, outcome in sorted(catalogue_outcomes.items()):
        assert not outcome.error, outcome.error
        scores = {part: got for part, (got, _) in outcome.other_scores.items()}
        now[f"{outcome.entry.kind}/{entry_id}"] = dict(sorted({**scores,
                                                             outcome.entry.part: outcome.score}.items()))
    if os.environ.get("GOLDEN_UPDATE") == "1":
        GOLDEN.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(GOLDEN.read_text())
    changed = {name: {"recorded": recorded.get(name), "now": scores}
               for name, scores in now.items() if recorded.get(name) != scores}
    assert not changed and set(recorded) == set(now), changed or sorted(set(recorded) ^ set(now))
