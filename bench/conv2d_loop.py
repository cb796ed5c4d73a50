"""Benchmark: Conv2d written with Python loops (bench/pixel_loop_conv.py) against im2col.

Backs the writeup's claims about a loop Conv2d: how long one forward + backward takes, on the
grader's largest input and on one batch of the two conv layers of bench/cnn_mnist.py's CNN,
and what ``./grade.sh conv2d`` gives a copy of the solution whose Conv2dFunction loops
(score and wall time of the whole grading run). Reference: the solution's im2col. One thread.

    python3 bench/conv2d_loop.py           # 3 timed repetitions each, then the grading runs
    python3 bench/conv2d_loop.py --quick   # one repetition (used by the kit's tests)
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (first: pins the thread counts)
import numpy as np

import pixel_loop_conv
from kit.quality.catalogue import copy_solution
from kit.quality.grading import grade
from mytorch import autograd_engine
from mytorch.autograd_engine import Function
from mytorch.nn import functional as F
from mytorch.tensor import Tensor

# (label, x shape, out channels, kernel, stride, padding)
GRADER_CASE = ("grader's largest case", (1, 3, 12, 8), 6, 4, 2, 1)
CNN_CASES = [("CNN layer 1, one batch", (64, 1, 28, 28), 16, 3, 1, 1),
             ("CNN layer 2, one batch", (64, 16, 28, 28), 32, 3, 2, 1)]
BATCHES_PER_EPOCH = 938          # 60,000 images in batches of 64
LOOP_LINES = """
# Planted by bench/conv2d_loop.py: the loop versions of this file's Conv2dFunction.
from mytorch.nn import pixel_loop_conv as _loops
Conv2dFunction.forward = staticmethod(_loops.{depth}_forward)
Conv2dFunction.backward = staticmethod(_loops.backward)
"""


def loop_function(depth: str) -> type:
    """A Function whose forward and backward are the loops of ``depth``."""
    forward = getattr(pixel_loop_conv, f"{depth}_forward")
    return type(f"{depth}Conv2d", (Function,), {"forward": staticmethod(forward),
                                               "backward": staticmethod(pixel_loop_conv.backward)})


def seconds_per_step(function: type, case: tuple, runs: int) -> float:
    """Median wall seconds of one forward + backward through ``function``."""
    _, shape, out_channels, kernel, stride, padding = case
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=shape), requires_grad=True)
    weight = Tensor(rng.normal(size=(out_channels, shape[1], kernel, kernel)), requires_grad=True)
    bias = Tensor(rng.normal(size=out_channels), requires_grad=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = function.apply(x, weight, bias, stride, padding)
        autograd_engine.backward(out.grad_fn, np.ones(out.shape))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graded(depth: str, scratch: Path) -> tuple:
    """(points, out of, wall seconds) of ./grade.sh conv2d on the solution with ``depth`` loops."""
    target = copy_solution(scratch / depth)
    if depth != "im2col":
        (target / "mytorch/nn/pixel_loop_conv.py").write_text(
            Path(pixel_loop_conv.__file__).read_text())
        with open(target / "mytorch/nn/functional.py", "a") as functional:
            functional.write(LOOP_LINES.format(depth=depth))
    start = time.perf_counter()
    done = grade(target, ["conv2d"], scratch / f"{depth}.json")
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"grading the {depth} version failed:\n{done.stdout}\n{done.stderr}")
    tests = json.loads((scratch / f"{depth}.json").read_text())["tests"]
    return (sum(t["score"] for t in tests), sum(t["max_score"] for t in tests), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    cases = [GRADER_CASE] + ([] if args.quick else CNN_CASES)
    common.header("Conv2d with Python loops against im2col (forward + backward)")
    functions = {"im2col": F.Conv2dFunction, "pixels": loop_function("pixels"),
                 "entries": loop_function("entries")}
    epoch = dict.fromkeys(functions, 0.0)
    for case in cases:
        print(f"{case[0]}: x {case[1]}, {case[2]} filters {case[3]}x{case[3]}, "
              f"stride {case[4]}, padding {case[5]}")
        for name, function in functions.items():
            seconds = seconds_per_step(function, case, runs)
            if case in CNN_CASES:
                epoch[name] += seconds * BATCHES_PER_EPOCH
            print(f"  {name:8} {seconds * 1000:10.1f} ms")
    if not args.quick:
        print(f"Both CNN conv layers over one epoch ({BATCHES_PER_EPOCH} batches), conv alone: "
              + ", ".join(f"{name} {seconds / 60:.1f} min" for name, seconds in epoch.items()))
    print("\n./grade.sh conv2d on the solution with each Conv2dFunction:")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in functions:
            points, out_of, seconds = graded(name, Path(tmp))
            print(f"  {name:8} {points:g}/{out_of:g} in {seconds:.1f} s (wall, torch import included)")
            results.append(f"{name}={points:g}/{out_of:g}")
    print("RESULT conv2d_loop " + " ".join(results))


if __name__ == "__main__":
    main()
