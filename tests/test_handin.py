"""create_tarball.sh: handin.tar holds mytorch/ and hw1/ only, with clear warnings."""
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from autograder.grader.rubric import Rubric
from kit.paths import HANDOUT, ROOT, SOLUTION

SCRIPT = ROOT / "create_tarball.sh"


def create_tarball(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, env=dict(os.environ))


def members(archive: Path) -> set:
    with tarfile.open(archive) as tar:
        return {m.name.rstrip("/") for m in tar.getmembers() if m.isfile()}


def student_folder(tmp_path: Path, source: Path, plot: bool) -> Path:
    """A student's folder: mytorch/ from ``source``, hw1/ with mnist.py, and cache litter."""
    folder = tmp_path / "student"
    shutil.copytree(source / "mytorch", folder / "mytorch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "hw1").mkdir()
    (folder / "hw1/mnist.py").write_text("def mnist(train_x, train_y, val_x, val_y):\n"
                                         "    return [0.9]\n")
    if plot:
        (folder / "hw1/validation_accuracy.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for litter in ("mytorch/__pycache__/tensor.cpython-311.pyc", "hw1/.ipynb_checkpoints/x.py",
                   "mytorch/nn/stale.pyc", ".pytest_cache/v/cache", "hw1/__pycache__/m.pyc"):
        (folder / litter).parent.mkdir(parents=True, exist_ok=True)
        (folder / litter).write_text("cache")
    (folder / "notes.txt").write_text("not for hand-in")
    return folder


def expected_members(folder: Path) -> set:
    found = {p.relative_to(folder).as_posix() for d in ("mytorch", "hw1")
             for p in (folder / d).rglob("*") if p.is_file()}
    return {m for m in found if "__pycache__" not in m and not m.endswith(".pyc")
            and ".ipynb_checkpoints" not in m}


def test_finished_work_is_packed_without_caches_or_warnings(tmp_path):
    folder = student_folder(tmp_path, SOLUTION, plot=True)
    done = create_tarball(folder)
    assert done.returncode == 0, done.stderr
    packed = members(folder / "handin.tar")
    assert packed == expected_members(folder)
    assert {"mytorch/tensor.py", "mytorch/nn/functional.py", "hw1/mnist.py",
            "hw1/validation_accuracy.png"} <= packed
    assert not [m for m in packed if not m.startswith(("mytorch/", "hw1/"))]
    assert "warning" not in done.stderr
    for member in packed:                         # the member list is printed
        assert f"    {member}" in done.stdout
    assert "Wrote " in done.stdout and "handin.tar" in done.stdout


def test_graded_stubs_are_warned_by_part_and_optional_ones_not(tmp_path):
    folder = student_folder(tmp_path, HANDOUT, plot=False)
    done = create_tarball(folder)
    assert done.returncode == 0, done.stderr
    assert "still raise the handout's NotImplementedError stub" in done.stderr
    assert "Part 1.1: Sub.forward, Sub.backward" in done.stderr
    assert "Part 2.3: SGD.step" in done.stderr
    # The fused Functions a design may do without: stubs in the handout, never warned about.
    optional = Rubric().optional_functions()
    assert {"LinearFunction.forward", "BatchNorm1dFunction.backward",
            "CrossEntropyFunction.forward"} <= set(optional)
    stubs = "".join(path.read_text() for path in (HANDOUT / "mytorch").rglob("*.py"))
    for function in optional:
        assert f'NotImplementedError("{function} (Part ' in stubs
        assert function not in done.stderr
    assert "validation_accuracy.png" not in done.stderr   # the grader draws its own plot


def test_the_reference_as_it_is_warns_about_nothing(tmp_path):
    """solution/ unchanged (no plot drawn), and with only the optional stubs put back."""
    done = create_tarball(tmp_path, "--target", str(SOLUTION))
    assert done.returncode == 0 and done.stderr == ""
    folder = tmp_path / "fused_left_out"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(HANDOUT / "mytorch/nn/functional.py", folder / "mytorch/nn/functional.py")
    handout_stubs = create_tarball(folder).stderr
    assert "Part 1.1: Sub.forward" in handout_stubs          # the graded stubs it brought back
    assert not [f for f in Rubric().optional_functions() if f in handout_stubs]


def test_one_remaining_stub_is_named(tmp_path):
    folder = student_folder(tmp_path, SOLUTION, plot=True)
    sgd = folder / "mytorch/optim/sgd.py"
    sgd.write_text(sgd.read_text() + '\n\ndef later():\n'
                   '    raise NotImplementedError("SGD.later (Part 2.6)")\n')
    done = create_tarball(folder)
    assert "1 function(s) still raise" in done.stderr
    assert "Part 2.6: SGD.later" in done.stderr


def test_repository_root_packs_the_handout_by_default(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(HANDOUT, root / "handout", ignore=shutil.ignore_patterns("__pycache__"))
    done = create_tarball(root)
    assert done.returncode == 0, done.stderr
    packed = members(root / "handin.tar")
    assert "mytorch/tensor.py" in packed
    assert not [m for m in packed if m.startswith("handout/")]


def test_target_option_packs_another_folder(tmp_path):
    folder = student_folder(tmp_path, SOLUTION, plot=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = create_tarball(elsewhere, "--target", str(folder))
    assert done.returncode == 0, done.stderr
    assert members(elsewhere / "handin.tar") == expected_members(folder)


def test_wrong_directory_is_refused_with_directions(tmp_path):
    done = create_tarball(tmp_path)
    assert done.returncode == 1
    assert "no mytorch/ directory" in done.stderr
    assert f'cd "{ROOT}" && ./create_tarball.sh' in done.stderr
    assert not (tmp_path / "handin.tar").exists()
    done = create_tarball(tmp_path, "--target", str(tmp_path / "nowhere"))
    assert done.returncode == 1 and "has no mytorch/ directory" in done.stderr
    done = create_tarball(tmp_path, "--bogus")
    assert done.returncode == 2 and "unknown argument" in done.stderr


def test_importing_torch_is_warned(tmp_path):
    folder = student_folder(tmp_path, SOLUTION, plot=True)
    (folder / "mytorch/cheat.py").write_text("import numpy as np\nimport torch.nn\n")
    (folder / "hw1/helper.py").write_text("def unused():\n    from jax import grad\n")
    done = create_tarball(folder)
    assert done.returncode == 0
    assert "forbidden imports" in done.stderr
    assert "    mytorch/cheat.py:2 imports torch.nn\n    hw1/helper.py:2 imports jax" in done.stderr
    (folder / "mytorch/cheat.py").write_text("import torchvision_free_name = 1\n")
    (folder / "hw1/helper.py").unlink()
    assert "forbidden" not in create_tarball(folder).stderr
