"""The same submission gets the same score and the same feedback on every run.

Inputs come from generators seeded by each test's id, MNIST training from np.random.seed(0),
and the student process uses one BLAS thread. This grades the reference (every part, MNIST
included) and three mutants (a wrong gradient, an MNIST bug, a Conv2d bug) five times each,
each run on its own copy, two at a time, and requires identical output apart from the
target's path and the elapsed time.
"""
from __future__ import annotations

import json
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.grader.rubric import Rubric
from kit.quality import catalogue, grading

RUNS = 5
MUTANT_IDS = ["div-b-gradient-sign", "mnist-no-shuffle", "conv-kernel-flipped"]


def timing_free(stdout: str, target: Path) -> str:
    """A grading run's output without what may legitimately change: the path and the time."""
    text = stdout.replace(str(target), "<target>")
    return re.sub(r"(?m)^\(\d+(\.\d+)? s\)$", "(time)", text)


def graded_output(entry, parts):
    with tempfile.TemporaryDirectory(prefix="determinism-") as scratch:
        target = catalogue.copy_solution(Path(scratch) / "target")
        if entry is not None:
            catalogue.apply(entry, target)
        done = grading.grade(target, parts, Path(scratch) / "results.json")
        assert done.returncode == 0, done.stderr
        return timing_free(done.stdout, target)


@pytest.mark.slow
def test_same_score_and_feedback_on_every_run():
    mutants = {m.id: m for m in catalogue.load("mutant")}
    subjects = [(None, [])] + [(mutants[i], [mutants[i].part]) for i in MUTANT_IDS]
    jobs = [subject for subject in subjects for _ in range(RUNS)]
    with ThreadPoolExecutor(max_workers=grading.PARALLEL) as pool:
        outputs = list(pool.map(lambda job: graded_output(*job), jobs))

    for k, (entry, _) in enumerate(subjects):
        runs = outputs[k * RUNS:(k + 1) * RUNS]
        name = "the reference" if entry is None else entry.id
        assert all(run == runs[0] for run in runs), f"{name}: the output changed between runs"
        assert "(time)" in runs[0]                      # the only line allowed to differ
        last = runs[0].strip().splitlines()[-1]
        if entry is None:
            # The scoreboard is [total, MNIST accuracy in %] (Autolab's columns).
            assert "FAIL" not in runs[0] and json.loads(last)["scoreboard"][0] == Rubric().total
        else:
            assert f"FAIL {entry.part} " in runs[0]
