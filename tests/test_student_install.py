"""The student's install and MNIST commands, as the writeup gives them."""
import json
import re
import shlex
import subprocess
import sys
import tarfile
import time
import shutil

import pytest

from kit.paths import SOLUTION, STUDENT_README
from kit.release import bundle

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _writeup_lines(pattern: str) -> list:
    return [line.strip() for line in STUDENT_README.read_text().splitlines()
            if re.search(pattern, line)]


def test_the_writeup_installs_cpu_only_on_every_system():
    text = STUDENT_README.read_text()
    for system in ("Linux", "macOS", "Windows"):
        assert f"# {system}" in text
    (linux,) = _writeup_lines(re.escape(CPU_INDEX))
    options = shlex.split(linux)
    assert options[:6] == ["python3", "-m", "pip", "install", "-r", "requirements.txt"]
    assert "--timeout" in options and "--retries" in options      # gives up on an unreachable index
    assert _writeup_lines(r"^python -m pip install -r requirements.txt$")      # Windows
    assert "./grade.sh m" in text                                  # MNIST by hand


@pytest.mark.slow
def test_the_cpu_route_resolves_the_pinned_torch_without_hanging(tmp_path):
    """The writeup's Linux command, resolved only (--dry-run): where PyTorch's index cannot be
    reached it falls back to the pinned wheel within seconds, not minutes."""
    (linux,) = _writeup_lines(re.escape(CPU_INDEX))
    command = shlex.split(linux)
    command[:1] = [sys.executable]
    command += ["--dry-run", "--ignore-installed", "--quiet", "--report", str(tmp_path / "r.json")]
    started = time.monotonic()
    done = subprocess.run(command, cwd=STUDENT_README.parent.parent, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "r.json").read_text())
    versions = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert versions["torch"].split("+")[0] == "2.13.0"
    assert elapsed < 180, f"resolving took {elapsed:.0f} s"


@pytest.mark.slow
def test_mnist_by_hand_runs_in_an_unpacked_bundle(tmp_path):
    """./grade.sh m in the bundle, with the reference dropped in: trains with BLAS on one
    thread, shows its progress, draws the plot, full marks."""
    with tarfile.open(bundle.build(tmp_path / "dist")) as tar:
        tar.extractall(tmp_path, filter="tar")
    unpacked = tmp_path / bundle.BUNDLE_NAME
    for directory in ("mytorch", "hw1"):
        shutil.copytree(SOLUTION / directory, unpacked / directory, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    mnist = unpacked / "hw1/mnist.py"
    mnist.write_text(mnist.read_text() + "\n\nimport os\nfrom pathlib import Path\n"
                     "Path(__file__).with_name('threads.txt')"
                     ".write_text(os.environ.get('OPENBLAS_NUM_THREADS', 'unset'))\n")
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("PYTHON", "PYTEST", "OPENBLAS", "OMP", "MKL"))}
    done = subprocess.run(["./grade.sh", "m"], cwd=unpacked, capture_output=True, text=True,
                          env={**env, "NO_COLOR": "1"}, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["scores"] == {"mnist": 10.0}
    assert re.search(r"Part 3 MNIST: batch \d+/1800, loss [\d.]+, val acc [\d.]+%", done.stderr)
    assert (unpacked / "hw1/validation_accuracy.png").read_bytes()[:4] == b"\x89PNG"
    assert (unpacked / "hw1/threads.txt").read_text() == "1"
