"""Shared set-up for the benchmarks: one thread everywhere, the reference mytorch, timing.

Importing this module first pins numpy's BLAS (OpenBLAS/MKL/OpenMP) and PyTorch to one
thread, so that both libraries get the same single core: MyTorch's matrix products run in
numpy's BLAS, PyTorch's in its own kernels. The variables must be set before numpy is
imported, which is why every benchmark imports this module before anything else.
"""
from __future__ import annotations

import ctypes
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "solution"), str(ROOT)]       # the reference mytorch, autograder

import numpy as np      # noqa: E402
import torch            # noqa: E402

torch.set_num_threads(1)


class Timings:
    """Wall-clock and CPU (process) seconds of repeated runs of one library."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.wall: List[float] = []
        self.cpu: List[float] = []

    def run(self, function: Callable[[], object]) -> object:
        """Call ``function`` once, record its times, return its result."""
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return result


def _line(t: Timings, kind: str) -> str:
    values = getattr(t, kind)
    return (f"  {t.name:8} {kind:4} median {statistics.median(values) * 1000:9.2f} ms   runs: "
            + ", ".join(f"{v * 1000:.1f}" for v in values))


def report(title: str, mine: Timings, theirs: Timings, target: Optional[float] = None) -> float:
    """Print both libraries' medians and the ratios MyTorch / PyTorch; return the wall ratio.

    CPU time (``time.process_time``, one thread each) is printed beside wall time: other
    programs on a shared machine stretch wall time but much less the CPU time a run uses.
    """
    print(title)
    ratios = {}
    for kind in ("wall", "cpu"):
        print(_line(mine, kind))
        print(_line(theirs, kind))
        ratios[kind] = statistics.median(getattr(mine, kind)) / statistics.median(getattr(theirs, kind))
    for kind, ratio in ratios.items():
        print(f"  ratio MyTorch/PyTorch ({kind} medians) = {ratio:.2f}{_verdict(ratio, target)}")
    return ratios["wall"]


def _verdict(ratio: float, target: Optional[float]) -> str:
    if target is None:
        return ""
    return f"  ({'meets' if ratio <= target else 'misses'} the target <= {target:g})"


def report_floor(floor: Timings, mine: Timings, theirs: Timings, target: float) -> None:
    """Print a plain-numpy floor's medians, its ratio to PyTorch, and MyTorch / floor against
    ``target``."""
    floor_wall, mine_wall = statistics.median(floor.wall), statistics.median(mine.wall)
    print(_line(floor, "wall"))
    print(_line(floor, "cpu"))
    print(f"  ratio numpy floor/PyTorch (wall medians) = "
          f"{floor_wall / statistics.median(theirs.wall):.2f}; MyTorch's engine costs "
          f"{(mine_wall - floor_wall) * 1000:.0f} ms over the floor")
    for kind in ("wall", "cpu"):
        ratio = statistics.median(getattr(mine, kind)) / statistics.median(getattr(floor, kind))
        print(f"  ratio MyTorch/numpy floor ({kind} medians) = {ratio:.2f}{_verdict(ratio, target)}")


def report_accuracies(name: str, title: str, ratio: float, accuracies: Dict[str, List[float]],
                      target: Optional[float]) -> None:
    """Print each library's accuracies (against ``target`` unless None), then the RESULT line."""
    for library, values in accuracies.items():
        verdict = "" if target is None else (
            f"  ({'meets' if min(values) >= target else 'misses'} >= {100 * target:.0f}%)")
        print(f"  {library:8} {title}: " + ", ".join(f"{100 * a:.2f}%" for a in values) + verdict)
    print(f"RESULT {name} ratio={ratio:.3f} accuracy={min(accuracies['MyTorch']):.4f}")


def blas_kernels() -> str:
    """The kernels numpy's OpenBLAS runs ("Haswell", "SkylakeX", ...), or "unknown".

    OpenBLAS picks them by processor unless ``OPENBLAS_CORETYPE`` is set; some machines set
    it (and ``OPENBLAS_L2_SIZE``) for older OpenBLAS builds, which slows a current numpy.
    """
    libraries = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for library in sorted(libraries.glob("libscipy_openblas*")):
        try:
            corename = getattr(ctypes.CDLL(str(library)), "scipy_openblas_get_corename64_")
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return "unknown"


def header(description: str) -> None:
    print(description)
    print(f"numpy {np.__version__} (BLAS threads pinned to 1, OpenBLAS kernels "
          f"{blas_kernels()}), torch {torch.__version__} "
          f"(threads: {torch.get_num_threads()}), 1 process; the machine may be shared, so "
          "compare medians.")
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        print(f"OPENBLAS_CORETYPE={forced} is set: numpy's matrix products run those kernels, "
              "not the ones OpenBLAS picks for this CPU (PyTorch's are not affected). For "
              "OpenBLAS's own choice: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "
              f"{' '.join(sys.argv)}")
    print()
