"""Forbidden imports: found as Python reads the files, charged per the rubric's policy, the same
on every path (the corpus-wide agreement of ./grade.sh and a batch is tests/test_verdict.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.common.paths import RUBRIC_FILE
from autograder.grader import import_policy, report, visibility
from autograder.grader.import_scan import findings_in_source, forbidden_imports
from autograder.grader.rubric import Rubric
from autograder.grader.scoring import TestOutcome as Outcome, score_checks
from conftest import grade
from corpus import UNUSED_TORCH, UTF7_HIDDEN_IMPORT
from kit.batch import scoring as batch_scoring
from kit.textpatch import replace_once

RUBRIC = Rubric()


def rubric_with_policy(tmp_path: Path, policy: str) -> Rubric:
    path = tmp_path / "rubric.toml"
    shutil.copy(RUBRIC_FILE, path)
    replace_once(path, 'forbidden_import = "submission"', f'forbidden_import = "{policy}"')
    return Rubric(path)


def test_static_scan_finds_disguised_imports():
    source = ('import numpy as np\nimport torch.nn as nn\nfrom jax import grad\n'
              'm = __import__("autograd")\nimport importlib\nimportlib.import_module("tensorflow")\n'
              'exec("import torch")\nimport sys\nt = sys.modules["torch"]\nfrom . import tensor\n')
    found = [(f.line, f.module) for f in findings_in_source(source, "x.py", ["torch", "jax",
                                                                         "autograd", "tensorflow"])]
    assert found == [(2, "torch.nn"), (3, "jax"), (4, "autograd"), (6, "tensorflow"), (7, "torch"),
                     (9, "torch")]


def test_scan_reads_a_file_as_python_does(tmp_path):
    namespace: dict = {}
    exec(compile(UTF7_HIDDEN_IMPORT.replace(b"torch", b"json"), "utf7.py", "exec"), namespace)
    assert "json" in namespace                        # Python does run the hidden line
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch/utf7.py").write_bytes(UTF7_HIDDEN_IMPORT)
    (tmp_path / "mytorch/latin.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport jax\n")
    (tmp_path / "mytorch/bad_cookie.py").write_bytes(b"# coding: no-such-codec\nimport torch\n")
    (tmp_path / "mytorch/scipy_ok.py").write_text("from scipy.stats import norm\nimport cupy\n")
    found = [str(f) for f in forbidden_imports(tmp_path, ["torch", "jax"])]
    assert found == ["mytorch/latin.py:3 imports jax", "mytorch/utf7.py:3 imports torch"]


def test_the_forbidden_list_is_autodiff_and_ml_libraries_only():
    from autograder.common.policy import FORBIDDEN_MODULES, is_forbidden
    assert is_forbidden("torch.nn") and is_forbidden("jax") and is_forbidden("sklearn.linear_model")
    assert not any(is_forbidden(m) for m in ("scipy", "scipy.stats", "numpy", "cupy", "math"))
    assert "torch" in FORBIDDEN_MODULES


def test_submission_policy_zeroes_every_part(solution_copy):
    replace_once(solution_copy / "hw1/mnist.py", "from typing import List\n",
                 "from typing import List\n" + UNUSED_TORCH)
    verdict = import_policy.judge(solution_copy, RUBRIC.parts, RUBRIC)
    assert set(verdict.forfeited) == {p.number for p in RUBRIC.parts}
    assert verdict.summary.startswith("forbidden import: hw1/mnist.py:")
    assert verdict.summary.endswith("imports torch")


def test_parts_policy_zeroes_only_the_parts_of_the_offending_file(solution_copy, tmp_path):
    replace_once(solution_copy / "mytorch/optim/sgd.py", "import numpy as np\n",
                 "import numpy as np\n" + UNUSED_TORCH)
    rubric = rubric_with_policy(tmp_path, "parts")
    verdict = import_policy.judge(solution_copy, rubric.parts, rubric)
    assert set(verdict.forfeited) == {"2.3"}            # SGD.step is Part 2.3's function


def test_a_clean_hand_in_costs_nothing_and_an_unknown_policy_is_refused(solution_copy, tmp_path):
    assert import_policy.judge(solution_copy, RUBRIC.parts, RUBRIC) == import_policy.ImportVerdict()
    with pytest.raises(ValueError, match="forbidden_import = 'lenient'"):
        import_policy.judge(solution_copy, RUBRIC.parts, rubric_with_policy(tmp_path, "lenient"))


def test_grade_sh_reports_and_charges_an_unused_forbidden_import(solution_copy, tmp_path):
    replace_once(solution_copy / "hw1/mnist.py", "from typing import List\n",
                 "from typing import List\n" + UNUSED_TORCH)
    results = tmp_path / "results.json"
    graded = grade("2.3", "--target", str(solution_copy), "--json", str(results))
    assert graded.returncode == 0, graded.stderr
    assert "warning: forbidden import: hw1/mnist.py:" in graded.stdout
    assert "0 points for Part 2.3: forbidden import" in graded.stdout
    assert graded.scores == {"sgd": 0.0}
    data = json.loads(results.read_text())
    assert data["score"] == 0 and data["tests"][0]["status"] == "failed"
    assert data["tests"][0]["output"].startswith("0 points: forbidden import: hw1/mnist.py:")


def test_a_forfeited_part_reads_the_same_in_every_output():
    part = RUBRIC.by_number["2.3"]
    passed = Outcome("autograder/test_2_3_sgd.py::test_sgd[0]", "2.3", "sgd", passed=True)
    reason = "forbidden import: hw1/mnist.py:3 imports torch"
    results = score_checks([part], [passed], {"2.3": reason})
    assert [r.points for r in results] == [0.0] and results[0].tests_passed
    assert report.feedback_text(results, False, report.PLAIN) == f"0 points for Part 2.3: {reason}"
    assert json.loads(report.autolab_line([part], results))["scores"] == {"sgd": 0.0}
    message = {"outcome": [passed.nodeid, "2.3", "sgd", True, "", 0.1]}
    collected = {"collected": [[passed.nodeid, "2.3", "sgd"]]}
    status, _, rows = batch_scoring.score([collected, message, {"done": 0}], [part], False, 60,
                                          {"2.3": reason})
    assert (status, rows[0].points, rows[0].feedback) == ("ok", 0.0, f"0 points: {reason}")


def test_feedback_shows_the_first_public_failure_before_any_hidden_one():
    part = RUBRIC.by_number["2.2"]
    hidden = Outcome("autograder/hidden/test_hidden_2_2_relu.py::test_relu_hidden[0]",
                         "2.2", "relu", passed=False, message="secret inputs")
    public = Outcome("autograder/test_2_2_relu.py::test_relu[1]", "2.2", "relu",
                         passed=False, message="ReLU()(x) forward: expected 0, got -1")
    results = score_checks([part], [hidden, public])          # the hidden test ran first
    shown = report.feedback_text(results, False, report.PLAIN)
    assert "expected 0, got -1" in shown and visibility.HIDDEN_FAILURE not in shown
    every = report.feedback_text(results, True, report.PLAIN)
    assert every.index("expected 0, got -1") < every.index(visibility.HIDDEN_FAILURE)
    data = report.gradescope_results([part], results, 1.0, hidden_visibility="visible")
    assert data["tests"][0]["output"] == "ReLU()(x) forward: expected 0, got -1"
    finished = {hidden.nodeid, public.nodeid}
    assert batch_scoring.check_feedback(results[0], finished, False, 60) == \
        "[relu] ReLU()(x) forward: expected 0, got -1"
