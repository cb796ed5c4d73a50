"""The student bundle: what it contains, what it must never contain, and that it works alone."""
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from autograder.common.compat import tomllib
from autograder.grader.rubric import Rubric
from kit.paths import ROOT, SOLUTION
from kit.release import bundle

RUBRIC = Rubric()
TEXT_SUFFIXES = {".py", ".md", ".sh", ".txt", ".toml", ".ini", ".cfg", ".json", ".ipynb", ""}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return bundle.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory) -> Path:
    """The bundle unpacked far from the repository, as a student would have it."""
    place = tmp_path_factory.mktemp("student")
    with tarfile.open(archive) as tar:
        tar.extractall(place, filter="tar")
    return place / bundle.BUNDLE_NAME


def student_env() -> dict:
    """The environment of a student: no PYTHONPATH into this repository, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "MYTORCH"))}
    return {**env, "NO_COLOR": "1"}


def run(command, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=student_env(),
                          stdin=subprocess.DEVNULL, timeout=900, **kwargs)


def scores(stdout: str) -> dict:
    import json
    return json.loads(stdout.strip().splitlines()[-1])["scores"]


# ----------------------------------------------------------------------------- contents
def test_bundle_has_what_a_student_needs(archive):
    names = set(bundle.member_names(archive))
    assert archive.name == "mytorch-handout.tar.gz"
    prefix = bundle.BUNDLE_NAME + "/"
    assert all(n.startswith(prefix) for n in names)
    inside = {n[len(prefix):] for n in names}
    for required in ("README.md", "requirements.txt", "grade.sh", "create_tarball.sh",
                     "sandbox.py", "mytorch/__init__.py", "mytorch/tensor.py",
                     "autograder/grader/cli.py", "autograder/rubric.toml", "autograder/worker/main.py"):
        assert required in inside, required
    handout = {p.relative_to(ROOT / "handout").as_posix() for p in (ROOT / "handout").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    # mytorch/, hw1/ when present (Part 3 as the script), sandbox.py
    assert handout - {bundle.MNIST_NOTEBOOK} <= inside
    if (ROOT / "data").is_dir():
        assert any(n.startswith("data/") for n in inside)
    with tarfile.open(archive) as tar:
        modes = {m.name[len(prefix):]: m.mode for m in tar.getmembers() if m.isfile()}
    assert modes["grade.sh"] & 0o111 and modes["create_tarball.sh"] & 0o111
    readme = (ROOT / "docs/student-README.md").read_text()
    with tarfile.open(archive) as tar:
        assert tar.extractfile(prefix + "README.md").read().decode() == readme


def test_bundle_has_no_instructor_paths(archive):
    inside = [n.split("/", 1)[1] for n in bundle.member_names(archive)]
    for forbidden in ("kit/", "tests/", "solution/", "handout/", "docs/", "dist/", ".ci/", ".git"):
        assert not [n for n in inside if n.startswith(forbidden)], forbidden
    assert not [n for n in inside if "__pycache__" in n or n.endswith(".pyc")]
    assert "pyproject.toml" not in inside


def _code_lines(text: str) -> list:
    """The stripped, non-empty, non-comment lines of a file."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _solution_secrets() -> tuple:
    """What a student must not receive: (lines, pairs of consecutive lines) of the solution's
    BEGIN/END SOLUTION regions. A line counts when it is distinctive: 12 characters or more
    and nowhere outside the regions (``return out`` is common code)."""
    regions, outside = [], set()
    for path in SOLUTION.rglob("*.py"):
        region = None
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if "BEGIN SOLUTION" in stripped:
                region = []
            elif "END SOLUTION" in stripped:
                regions.append(region)
                region = None
            elif stripped and not stripped.startswith("#"):
                region.append(stripped) if region is not None else outside.add(stripped)
    lines = {line for region in regions for line in region if len(line) >= 12} - outside
    pairs = {pair for region in regions for pair in zip(region, region[1:])
             if lines & set(pair)}
    return lines, pairs


def _bundle_texts(archive: Path):
    """(name inside the bundle, text) of every text file; a notebook's text is its cells'."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).suffix in TEXT_SUFFIXES:
                text = tar.extractfile(member).read().decode("utf-8")
                if member.name.endswith(".ipynb"):
                    text += "\n" + "\n".join("".join(cell["source"]) for cell
                                              in json.loads(text)["cells"])
                yield member.name.split("/", 1)[1], text


@pytest.fixture(scope="module")
def notebook_archive(tmp_path_factory) -> Path:
    return bundle.build(tmp_path_factory.mktemp("dist"), notebook=True)


@pytest.mark.parametrize("flavour", ["archive", "notebook_archive"])
def test_bundle_leaks_no_solution_and_no_hidden_test(flavour, request):
    archive = request.getfixturevalue(flavour)
    with tarfile.open(archive) as tar:
        assert not [m.name for m in tar.getmembers() if "hidden" in m.name.lower()]
    lines, pairs = _solution_secrets()
    assert len(lines) > 20 and len(pairs) > 20, "the solution should have many distinctive lines"
    for name, text in _bundle_texts(archive):
        for marker in bundle.FORBIDDEN_MARKERS:
            assert marker not in text, f"{name} contains '{marker}'"
        code = _code_lines(text)
        if name.startswith("autograder/"):
            # The grader calls the same API as the solution (optimizer.zero_grad()), one line
            # at a time; two consecutive solution lines would be copied code.
            leaked = set(zip(code, code[1:])) & pairs
        else:
            leaked = set(code) & lines
        assert not leaked, f"{name} contains solution code: {sorted(leaked)[:3]}"


def _scratch_repository(tmp_path: Path) -> Path:
    """A copy of the parts of this repository the bundle is built from."""
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__")
    for directory in ("solution", "handout", "autograder", "docs"):
        shutil.copytree(ROOT / directory, root / directory, ignore=ignore)
    for name in bundle.ROOT_FILES:
        shutil.copy2(ROOT / name, root / name)
    return root


def test_hidden_tests_are_removed_and_leftover_markers_refused(tmp_path):
    root = _scratch_repository(tmp_path)
    test_file = root / "autograder/test_2_2_relu.py"
    test_file.write_text(test_file.read_text() + (
        "\n\n### BEGIN HIDDEN TESTS\nSECRET_INPUT_SEEN_ONLY_BY_THE_COURSE = 12345\n"
        "### END HIDDEN TESTS\nPUBLIC_AFTER_THE_REGION = 1\n"))
    (root / "autograder/hidden/test_hidden_extra.py").write_text("SECRET_FILE = True\n")
    (root / "autograder/grader/hidden_feedback.py").write_text("PUBLIC_FILE = True\n")
    archive = bundle.build(tmp_path / "dist", root=root)
    names = bundle.member_names(archive)
    prefix = bundle.BUNDLE_NAME + "/"
    assert not [n for n in names if n.startswith(prefix + "autograder/hidden")]
    # Exactly autograder/hidden/ is left out, not every path that says "hidden".
    assert prefix + "autograder/grader/hidden_feedback.py" in names
    lines = [line for _, text in _bundle_texts(archive) for line in text.splitlines()]
    assert "PUBLIC_AFTER_THE_REGION = 1" in lines
    assert not [line for line in lines if "SECRET" in line]

    (root / "autograder/helpers_extra.py").write_text("# END SOLUTION left behind\n")
    with pytest.raises(bundle.BundleError, match="helpers_extra.py would ship"):
        bundle.build(tmp_path / "dist", root=root)


def test_local_outputs_in_the_handout_are_not_shipped(tmp_path):
    root = _scratch_repository(tmp_path)
    (root / "handout/hw1").mkdir(exist_ok=True)
    (root / "handout/hw1/validation_accuracy.png").write_bytes(b"a plot from a local run")
    (root / "handout/mytorch/__pycache__").mkdir()
    (root / "handout/mytorch/__pycache__/tensor.cpython-311.pyc").write_bytes(b"cache")
    names = bundle.member_names(bundle.build(tmp_path / "dist", root=root))
    assert not [n for n in names if n.endswith(".pyc") or "validation_accuracy" in n]
    assert not [n for n in names if n.endswith(".png") and "/figures/" not in n]


def test_build_refuses_a_stale_handout(tmp_path):
    root = _scratch_repository(tmp_path)
    sub = root / "handout/mytorch/nn/functional.py"
    sub.write_text(sub.read_text() + "\n# edited by hand\n")
    with pytest.raises(bundle.BundleError, match="out of sync"):
        bundle.build(tmp_path / "dist", root=root)


def test_cli_builds_the_bundle(tmp_path):
    done = subprocess.run(["python3", "-m", "kit", "bundle", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mytorch-handout.tar.gz").is_file()
    assert "pip install -r requirements.txt" in done.stdout


def test_requirements_match_pyproject():
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert sorted(lines) == sorted(pinned)
    pin = r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+-]*"
    marker = r"; python_version [<>=]+ '3\.[0-9]+'"        # tomli, on 3.10 only
    assert all(re.fullmatch(pin + f"({marker})?", line) for line in lines), lines
    assert "torch==2.13.0" in lines


def test_student_readme_covers_every_part():
    readme = (ROOT / "docs/student-README.md").read_text()
    for part in RUBRIC.parts:
        assert re.search(rf"(\*\*|Part ){re.escape(part.number)}[ .]", readme), part.number
    for command in ("pip install -r requirements.txt", "./grade.sh", "./create_tarball.sh",
                    "sandbox.py"):
        assert command in readme


# ----------------------------------------------------------------------------- it works alone
@pytest.mark.slow
def test_unpacked_bundle_grades_sandboxes_and_hands_in(unpacked):
    graded = run(["./grade.sh"], unpacked)
    assert graded.returncode == 0, graded.stderr
    assert f"Grading {unpacked}" in graded.stdout           # the bundle's own grader and mytorch
    assert "Traceback" not in graded.stdout + graded.stderr
    assert set(scores(graded.stdout)) == {p.name for p in RUBRIC.parts}
    assert sum(scores(graded.stdout).values()) == 0
    assert "not implemented yet" in graded.stdout.lower()

    # sandbox.py runs with PyTorch unimportable and reports the stubs.
    blocked = ("import runpy, sys; sys.modules['torch'] = None; "
               "runpy.run_path('sandbox.py', run_name='__main__')")
    sandbox = run(["python3", "-c", blocked], unpacked)
    assert sandbox.returncode == 0, sandbox.stderr
    assert "not implemented yet: Tensor.__sub__ (Part 1.1)" in sandbox.stdout

    # The reference solution dropped over the stubs gets full marks from the bundle's grader.
    for directory in ("mytorch", "hw1"):
        if (SOLUTION / directory).is_dir():
            shutil.copytree(SOLUTION / directory, unpacked / directory, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    graded = run(["./grade.sh"], unpacked)
    assert graded.returncode == 0, graded.stderr
    assert scores(graded.stdout) == {p.name: p.points for p in RUBRIC.parts}, graded.stdout
    sandbox = run(["python3", "-c", blocked], unpacked)
    assert "DIFFERENT" not in sandbox.stdout and "not implemented" not in sandbox.stdout, sandbox.stdout
    assert sandbox.stdout.count(" ok\n") >= 25

    handin = run(["./create_tarball.sh"], unpacked)
    assert handin.returncode == 0, handin.stderr
    with tarfile.open(unpacked / "handin.tar") as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
    assert members and all(m.startswith(("mytorch/", "hw1/")) for m in members)
    assert "mytorch/tensor.py" in members
    assert not [m for m in members if "__pycache__" in m or m.endswith(".pyc")]
    assert "mytorch/tensor.py" in handin.stdout              # the member list is printed
    assert "NotImplementedError" not in handin.stderr         # nothing left unimplemented


def test_grade_before_installing_says_how_to_install(unpacked, tmp_path):
    bare = tmp_path / "bare-python"                 # a Python without site-packages
    bare.write_text('#!/bin/sh\nexec python3 -S "$@"\n')
    bare.chmod(0o755)
    graded = subprocess.run(["./grade.sh"], cwd=unpacked, capture_output=True, text=True,
                            env={**student_env(), "PYTHON": str(bare)}, timeout=60)
    assert graded.returncode == 1
    assert "pip install -r requirements.txt" in graded.stderr
    assert "Traceback" not in graded.stderr


def test_every_image_of_the_writeup_ships_where_it_links():
    """The writeup links its figures relative to itself: docs/figures/ here, figures/ in the
    bundle, where it is README.md at the root."""
    readme = (ROOT / "docs/student-README.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert links, "the writeup shows at least the worked graph example"
    inside = {name for name in bundle.contents()}
    for link in links:
        assert (ROOT / "docs" / link).is_file(), link
        assert link in inside, f"{link} is not in the bundle"
    assert not [n for n in inside if n.startswith("figures/") and not n.endswith(".png")]
