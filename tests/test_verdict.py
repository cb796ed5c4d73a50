"""One verdict everywhere: ``./grade.sh`` and ``python3 -m kit grade-batch`` give every hand-in
of the kit's corpus (tests/corpus.py) the same score on every part, statically forbidden
imports included (an unused ``from torch import seed``, an ``import torch`` hidden in UTF-7).

Both grade Parts 1-2 (``./grade.sh 1``, ``--parts 1``) with the same 3 s limit per call into
student code. ./grade.sh grades a folder: each archive is extracted by kit/intake/archive.py,
as the platforms do; an archive it refuses scores 0 in the batch too. Left out of the
./grade.sh side: the attacks that only the batch's uid separation contains (they would act on
this checkout) and the one that writes files into /tmp.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

import corpus
from conftest import grade
from kit.intake import archive
from kit.paths import ROOT

pytestmark = pytest.mark.slow
CALL_TIMEOUT = "3"
# Slot uids of this test's own: another batch on the machine may use the default 64000.
UID_BASE = "64720"
NOT_RUN_LOCALLY = {"hostile_fake_results_file"}


def batch_scores(submissions: Path, out: Path) -> Dict[str, dict]:
    done = subprocess.run([sys.executable, "-m", "kit", "grade-batch", str(submissions),
                           "--out", str(out), "--parts", "1", "--jobs", "2", "--no-progress",
                           "--call-timeout", CALL_TIMEOUT, "--uid-base", UID_BASE],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def local_scores(handin: Path, work: Path) -> Dict[str, float]:
    """{"1.1 arithmetic": points, ...} from ./grade.sh 1 on the extracted hand-in."""
    target = work / handin.stem
    target.mkdir()
    archive.extract(handin, target)
    graded = grade("1", "--target", str(target), env={"AUTOGRADER_CALL_TIMEOUT": CALL_TIMEOUT})
    assert graded.returncode == 0, graded.stderr
    numbers = {p.name: p.number for p in corpus.RUBRIC.parts}
    return {f"{numbers[name]} {name}": points for name, points in graded.scores.items()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("verdict")
    escape = base / "escape"
    escape.mkdir()
    expected = corpus.build(base / "submissions", base / "work", escape)
    return base, expected, batch_scores(base / "submissions", base / "out")


def test_grade_sh_and_the_batch_agree_on_every_part(graded):
    base, expected, rows = graded
    work = base / "local"
    work.mkdir()
    compared = []
    for student, want in sorted(expected.items()):
        row = rows[student]
        handin = next((base / "submissions").glob(student + ".*"))
        if want.status == "bad_archive":
            with pytest.raises(archive.BadArchive):
                archive.extract(handin, work / "refused")
            assert (row["grading_status"], float(row["total"])) == ("bad_archive", 0.0)
            continue
        if want.needs_root or student in NOT_RUN_LOCALLY or (want.needs_namespaces
                                                             and not corpus.confinable()):
            continue
        local = local_scores(handin, work)
        assert {part: float(row[part]) for part in local} == local, student
        assert sum(local.values()) == want.total, student
        compared.append(student)
    assert {"violation_unused_import", "violation_utf7_import", "violation_import_torch",
            "correct0", "partial_sgd", "untouched_handout"} <= set(compared)


def test_statically_forbidden_imports_are_reported_by_both(graded):
    base, _, rows = graded
    for student, phrase in (("violation_unused_import", "hw1/mnist.py:"),
                            ("violation_utf7_import", "mytorch/notes.py:3 imports torch")):
        assert rows[student]["grading_status"] == "violation" and phrase in rows[student]["reason"]
        target = base / "report" / student
        target.mkdir(parents=True)
        archive.extract(base / "submissions" / f"{student}.tar", target)
        printed = grade("2.3", "--target", str(target)).stdout
        assert f"warning: forbidden import: {phrase}" in printed
        assert "0 points for Part 2.3: forbidden import" in printed
