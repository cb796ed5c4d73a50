"""The benchmarks stay runnable: each bench/ script runs in its tiny --quick mode.

Only that they run and report is asserted, not the ratios: timings depend on the machine.
"""
import re
import subprocess
import sys

import pytest

from kit.paths import ROOT


def run_quick(script: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.parametrize("script,name", [
    pytest.param("mnist.py", "mnist", marks=pytest.mark.slow),
    ("conv2d.py", "conv2d"),
    pytest.param("cnn_mnist.py", "cnn_mnist", marks=pytest.mark.slow)])
def test_bench_script_runs_in_quick_mode(script, name):
    done = run_quick(script)
    assert "ratio MyTorch/PyTorch (wall medians)" in done.stdout
    assert "BLAS threads pinned to 1" in done.stdout
    result = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"RESULT {name} ratio[s]?=[0-9.,]+( accuracy=[0-9.]+)?", result), result


def test_mnist_numpy_floor_computes_what_mytorch_computes():
    """The floor is only a floor if it is the same maths: same seed, same accuracies."""
    accuracies = dict(re.findall(r"^  (MyTorch|numpy) +final validation accuracy per run: (.+)$",
                                 run_quick("mnist.py").stdout, flags=re.MULTILINE))
    assert set(accuracies) == {"MyTorch", "numpy"}
    assert accuracies["MyTorch"] == accuracies["numpy"]


def test_grading_time_bench_shows_where_the_time_goes():
    """bench/grading_time.py --quick: one graded part, each stage, the worker start, memory."""
    done = run_quick("grading_time.py")
    for stage in ("start-up", "collection", "Part 1.1", "fixtures", "end", "total (wall)",
                  "peak RSS, MB", "worker start"):
        assert f"  {stage}" in done.stdout, done.stdout
    result = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"RESULT grading_time parts=1\.1 wall=[0-9.]+ peak_mb=[0-9]+", result), result


def test_similarity_bench_runs_in_quick_mode():
    """bench/similarity.py --quick: 30 synthetic hand-ins (about 15 s; the full run is 400)."""
    done = run_quick("similarity.py")
    assert "planted copies ranked first: yes" in done.stdout
    result = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"RESULT similarity handins=30 jobs=2 seconds=[0-9.]+", result), result


@pytest.mark.slow
def test_loop_conv2d_gets_full_marks_as_the_writeup_says():
    """bench/conv2d_loop.py --quick: the writeup says loops pass the grader's Conv2d checks."""
    result = run_quick("conv2d_loop.py").stdout.strip().splitlines()[-1]
    assert result == "RESULT conv2d_loop im2col=15/15 pixels=15/15 entries=15/15", result


@pytest.mark.slow
def test_tolerance_separates_correct_code_from_the_closest_mutant():
    """bench/tolerance.py --quick: the writeup's "far inside" and "far outside" the tolerance."""
    result = run_quick("tolerance.py").stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"RESULT tolerance correct_max=(\S+) mutant_min=(\S+)", result)
    assert match, result
    assert float(match.group(1)) < 1e-6 and float(match.group(2)) > 1e3, result
