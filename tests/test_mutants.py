"""The autograder's quality, measured: every catalogued bug loses points in its part, and every
correct variant keeps full marks (catalogue: tests/mutants/, engine: kit/quality/).

The whole catalogue is graded once per session, two grading runs at a time; each entry is
then its own test so that a failure names the bug. An uncaught mutant is a gap in the
autograder: strengthen the checks, never drop the mutant.
"""
from __future__ import annotations


import pytest

from autograder.grader.rubric import Rubric
from kit.paths import QUALITY_REPORT, SOLUTION
from kit.quality import catalogue, grading, report

RUBRIC = Rubric()
MUTANTS = catalogue.load("mutant")
VARIANTS = catalogue.load("variant")


def test_catalogue_covers_every_part():
    assert len(MUTANTS) >= 40
    assert len(VARIANTS) >= 5
    numbers = {p.number for p in RUBRIC.all_parts}       # optional tracks included
    assert {m.part for m in MUTANTS} == numbers, "every part needs mutants, and only real parts"
    assert {p for v in VARIANTS for p in v.parts} <= numbers


@pytest.mark.parametrize("entry", MUTANTS + VARIANTS, ids=lambda e: e.id)
def test_every_patch_applies_exactly_once(entry, tmp_path):
    target = catalogue.copy_solution(tmp_path / "target")
    catalogue.apply(entry, target)            # raises CatalogueError for a stale `old` text
    changed = [p.file for p in entry.patches
               if (target / p.file).read_text() != (SOLUTION / p.file).read_text()]
    assert changed, f"{entry.id}: the patch changes nothing"


def test_a_stale_patch_fails_loudly(tmp_path):
    stale = catalogue.Entry("stale", "2.3", "text that is not in the solution",
                          [catalogue.Patch("mytorch/optim/sgd.py", "param.data *= 2", "")], "mutant")
    with pytest.raises(catalogue.CatalogueError, match="occurs 0 times"):
        catalogue.apply(stale, catalogue.copy_solution(tmp_path / "target"))


# The whole catalogue: the slow tier. A grading run of the catalogue takes minutes, and the
# session fixture counts against the first test's timeout, hence the longer limit.
SLOW = (pytest.mark.slow, pytest.mark.timeout(3600))


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id, marks=SLOW)
                                   for e in MUTANTS + VARIANTS])
def test_catalogue_entry_is_graded_as_expected(entry, catalogue_outcomes):
    """A mutant loses points in its own part only; a correct variant keeps full marks."""
    outcome = catalogue_outcomes[entry.id]
    assert not outcome.error, outcome.error
    assert "Traceback" not in outcome.stdout
    if entry.kind == "variant":
        assert outcome.full_marks, (f"false penalty for a correct '{entry.description}': "
                                    f"{outcome.failed_checks}\n{outcome.stdout}")
        assert set(outcome.other_scores) == set(entry.also)
        return
    assert outcome.caught, (f"autograder gap: '{entry.description}' keeps "
                            f"{outcome.score:g}/{outcome.max_score:g} in part {entry.part}")
    assert outcome.owning_first or entry.first_elsewhere, (
        f"'{entry.description}' loses points in {outcome.first_lost}, before its own part "
        f"{entry.part} in the work order: {outcome.failed_checks}")
    assert outcome.failed_checks[0].startswith(f"{entry.part} [")
    assert outcome.first_message, "a failed check must tell the student something"


def test_committed_report_lists_the_whole_catalogue():
    written = QUALITY_REPORT.read_text()
    for entry in MUTANTS + VARIANTS:
        assert f"`{entry.id}`" in written, f"{entry.id} missing: run python3 -m kit quality-report"
    assert f"Kill rate: {len(MUTANTS)}/{len(MUTANTS)} mutants caught (100%)" in written
    assert f"Variants with full marks: {len(VARIANTS)}/{len(VARIANTS)}" in written


def test_report_renders_misses_and_penalties_visibly():
    mutant, variant = MUTANTS[0], VARIANTS[0]
    text = report.render([grading.Outcome(mutant, 15.0, 15.0)],
                          [grading.Outcome(variant, 20.0, 25.0, failed_checks=["1.2 [graph]"])])
    assert "Kill rate: 0/1" in text and "**NOT CAUGHT**" in text
    assert "**PENALISED** 1.2 [graph]" in text


def test_a_sample_of_the_catalogue_is_graded_right():
    """The fast tier's taste of the catalogue: one mutant caught, one variant at full marks."""
    sample = [m for m in MUTANTS if m.id == "div-b-gradient-sign"]
    sample += [v for v in VARIANTS if v.id == "engine-recursive-topological-sort"]
    assert len(sample) == 2, "the sampled entries were renamed: pick two others"
    caught, kept = grading.run(sample)
    assert caught.owning_first and "1.1 [div]" in caught.failed_checks, caught.stdout
    assert all(check.startswith("1.1 [") for check in caught.failed_checks), caught.stdout
    assert kept.full_marks, kept.stdout
