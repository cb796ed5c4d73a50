"""The benchmarks stay runnable: each bench/ script runs in its tiny --quick mode.

Only that they run and report is asserted, not the ratios: timings depend on the machine.
"""
import re
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize("script,name", [("mnist.py", "mnist"), ("conv2d.py", "conv2d"),
                                         ("cnn_mnist.py", "cnn_mnist")])
def test_bench_script_runs_in_quick_mode(script, name):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio MyTorch/PyTorch (wall medians)" in done.stdout
    assert "BLAS threads pinned to 1" in done.stdout
    result = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"RESULT {name} ratio[s]?=[0-9.,]+( accuracy=[0-9.]+)?", result), result
