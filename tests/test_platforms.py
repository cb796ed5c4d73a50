"""The Gradescope and Autolab bundles, run locally in fake platform layouts."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import corpus
from autograder.grader.rubric import Rubric
from kit.paths import SOLUTION
from kit.platforms import builders
from kit.textpatch import replace_once

RUBRIC = Rubric()
VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}


def check_gradescope_schema(data: dict) -> None:
    """results.json as grading-formats.md describes it."""
    assert isinstance(data["score"], (int, float))
    assert isinstance(data.get("output", ""), str)
    assert data.get("visibility", "visible") in VISIBILITY
    assert data.get("stdout_visibility", "hidden") in VISIBILITY
    assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITY
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return {"gradescope": builders.build_gradescope(out),
            "autolab": builders.build_autolab(out)}


def run_gradescope(bundle: Path, root: Path, submission) -> dict:
    """Lay out GRADESCOPE_ROOT like /autograder, run run_autograder, return results.json."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)
    submission(root / "submission")
    done = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True,
                          text=True, env={**os.environ, "GRADESCOPE_ROOT": str(root)}, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_zip_has_what_gradescope_needs(bundles):
    names = set(zipfile.ZipFile(bundles["gradescope"]).namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/rubric.toml",
            "platform_run.py"} <= names
    assert {f"kit/{name}" for name in builders.SHIPPED_KIT} <= names
    assert "kit/intake/archive.py" in names
    assert any(n.startswith("autograder/hidden/") for n in names)
    requirements = zipfile.ZipFile(bundles["gradescope"]).read("requirements.txt").decode()
    assert "torch==2.13.0" in requirements and all("==" in line for line in requirements.split())
    setup = zipfile.ZipFile(bundles["gradescope"]).read("setup.sh").decode()
    assert "download.pytorch.org/whl/cpu" in setup


def test_gradescope_grades_a_handin_tar(bundles, tmp_path):
    def submit(directory: Path) -> None:
        directory.mkdir()
        corpus.tar_of(SOLUTION, directory / "handin.tar")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == RUBRIC.total
    assert len(data["tests"]) >= sum(len(p.checks) for p in RUBRIC.parts)


def test_gradescope_grades_uploaded_folders(bundles, tmp_path):
    def submit(directory: Path) -> None:
        tree = corpus.variant(tmp_path, "sgd_sign")
        replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
                    "param.data += self.lr * param.grad.data")
        shutil.copytree(tree, directory)
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == RUBRIC.total - RUBRIC.by_number["2.3"].points
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["number"] for t in failed] == ["2.3"] and failed[0]["output"]


def test_gradescope_bad_archive_scores_zero_with_a_reason(bundles, tmp_path):
    def submit(directory: Path) -> None:
        directory.mkdir()
        (directory / "handin.tar").write_bytes(b"not a tar at all")
    data = run_gradescope(bundles["gradescope"], tmp_path / "autograder", submit)
    check_gradescope_schema(data)
    assert data["score"] == 0
    assert data["output"].startswith("Your hand-in could not be graded: not a tar archive")


def run_autolab(bundles, job: Path, handin: Path) -> list:
    job.mkdir()
    tar, makefile = bundles["autolab"]
    shutil.copy(tar, job / "autograde.tar")
    shutil.copy(makefile, job / "Makefile")
    shutil.copy(handin, job / "handin.tar")
    done = subprocess.run(["make", "-s", "autograde"], cwd=job, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_autolab_last_line_is_the_scores_json(bundles, tmp_path):
    handin = tmp_path / "handin.tar"
    corpus.tar_of(SOLUTION, handin)
    lines = run_autolab(bundles, tmp_path / "job", handin)
    scores = json.loads(lines[-1])["scores"]
    assert scores == {p.name: p.points for p in RUBRIC.parts}
    assert any(line.startswith("Total: ") for line in lines)


def test_autolab_unsafe_archive_scores_zero(bundles, tmp_path):
    escape = tmp_path / "escape"
    escape.mkdir()
    corpus._special(tmp_path / "handin.tar", escape, lambda tar: corpus._add_bytes(
        tar, "../escaped.txt"))
    lines = run_autolab(bundles, tmp_path / "job", tmp_path / "handin.tar")
    assert json.loads(lines[-1])["scores"] == {p.name: 0.0 for p in RUBRIC.parts}
    assert any("unsafe archive" in line for line in lines)
    assert not (tmp_path / "escaped.txt").exists() and list(escape.iterdir()) == []
