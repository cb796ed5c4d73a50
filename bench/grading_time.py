"""Where the time of grading one submission goes, and the peak memory of all its processes.

    python3 bench/grading_time.py                # the reference, every part, 3 runs
    python3 bench/grading_time.py --parts 1      # Parts 1-2
    python3 bench/grading_time.py --quick        # one run of Part 1.1 (the kit's tests)

Runs ``./grade.sh --target solution [PARTS]`` as a student does, with this module loaded
into the grader's pytest as a plugin (PYTEST_PLUGINS) that notes when each stage ends, and
samples the summed RSS of the whole process tree (grader and student process). Prints the
median and the range over the runs of:
  start-up     the interpreter, the grader's modules and pytest, until the session starts
               (the student process is started then, and starts while the grader collects)
  collection   the test modules, with PyTorch imported by them
  Part N       that part's checks (Part 3: training on MNIST, then its checks)
  fixtures     between the checks: fixtures, the scoring collector
  end          the end of the session, the score table, exiting
the CPU seconds of all its processes, sampled (less sensitive to the other load than wall
time), and,
measured apart, a fresh student process from its start to its first reply. Wall time
on a shared machine varies with the other load: compare medians.
Targets: every part <= 8 s, Parts 1-2 <= 4 s (wall, PyTorch's import included).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
STAMPS_FILE = "GRADING_TIME_STAMPS"          # where the plugin writes its stamps
TARGETS = {"all": 8.0, "1": 4.0}            # seconds of wall time per run


# ------------------------------------------------------------------ the plugin (grader side)
_STAMPS: Dict[str, object] = {"parts": defaultdict(float)}


def _part(nodeid: str) -> str:
    """"2.1" for autograder/test_2_1_linear.py::..., "3" for test_3_mnist.py."""
    match = re.search(r"test_(\d+)_(\d+)_|test_(\d+)_[a-z]", nodeid)
    if not match:
        return "other"
    return f"{match.group(1)}.{match.group(2)}" if match.group(1) else match.group(3)


def pytest_sessionstart(session) -> None:
    _STAMPS["session"] = time.time()


def pytest_collection_finish(session) -> None:
    _STAMPS["collected"] = time.time()


def pytest_runtest_logreport(report) -> None:
    _STAMPS["parts"][_part(report.nodeid)] += report.duration


def pytest_sessionfinish(session) -> None:
    _STAMPS["finished"] = time.time()
    Path(os.environ[STAMPS_FILE]).write_text(json.dumps(_STAMPS))


# ------------------------------------------------------------------ the benchmark
def one_run(parts: List[str], directory: Path) -> Dict[str, float]:
    """Grade the reference once; the seconds of each stage, the total and the peak MB."""
    sys.path.insert(0, str(BENCH))
    from processes import wait_sampling
    stamps_file = directory / "stamps.json"
    env = {**os.environ, "PYTEST_PLUGINS": "grading_time", STAMPS_FILE: str(stamps_file),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH),
                                                       os.environ.get("PYTHONPATH")]))}
    spawned = time.time()
    process = subprocess.Popen([str(ROOT / "grade.sh"), "--target", str(ROOT / "solution"),
                                "--no-color", *parts], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, cpu = wait_sampling(process)
    ended = time.time()
    if process.returncode != 0:
        raise SystemExit(f"grade.sh exited with {process.returncode}")
    stamps = json.loads(stamps_file.read_text())
    stages = {"start-up": stamps["session"] - spawned,
              "collection": stamps["collected"] - stamps["session"]}
    checks = sorted(stamps["parts"].items(), key=lambda item: [float(n) for n in
                                                                item[0].split(".")
                                                                if n.isdigit()] or [99])
    stages.update((f"Part {name}", seconds) for name, seconds in checks)
    stages["fixtures"] = (stamps["finished"] - stamps["collected"]) - sum(stamps["parts"].values())
    stages["end"] = ended - stamps["finished"]
    stages["total (wall)"] = ended - spawned
    stages["CPU, all processes"] = cpu
    stages["peak RSS, MB"] = peak
    return stages


def worker_start() -> float:
    """Seconds from starting a student process on the reference to its first reply."""
    sys.path.insert(0, str(ROOT))
    from autograder.grader.student_process import StudentProcess
    with StudentProcess(ROOT / "solution") as process:
        started = time.perf_counter()
        process.run("graph_structure", timeout=60)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["all"], help="parts; 'all' for every one")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run of Part 1.1")
    args = parser.parse_args()
    parts, runs = (["1.1"], 1) if args.quick else (args.parts, args.runs)
    grade_parts = [] if parts == ["all"] else parts
    with tempfile.TemporaryDirectory() as tmp:
        results = [one_run(grade_parts, Path(tmp)) for _ in range(runs)]
    starts = [worker_start() for _ in range(runs)]
    print(f"./grade.sh --target solution {' '.join(grade_parts)}: {runs} run(s); "
          "median [min-max] seconds; the machine may be shared")
    for stage in results[0]:
        values = [r.get(stage, 0.0) for r in results]
        unit = "MB" if "MB" in stage else "s"
        print(f"  {stage:22} {statistics.median(values):8.2f} {unit} "
              f"[{min(values):.2f}-{max(values):.2f}]")
    print(f"  {'worker start, measured apart':22} {statistics.median(starts):8.2f} s "
          f"[{min(starts):.2f}-{max(starts):.2f}] (a fresh student process to its first reply)")
    total = statistics.median(r["total (wall)"] for r in results)
    target = TARGETS.get(" ".join(parts))
    if target is not None:
        print(f"  total wall {total:.2f} s: {'meets' if total <= target else 'misses'} the "
              f"target <= {target:g} s")
    peak = max(r["peak RSS, MB"] for r in results)
    print(f"RESULT grading_time parts={'+'.join(parts)} wall={total:.2f} peak_mb={peak:.0f}")


if __name__ == "__main__":
    main()
