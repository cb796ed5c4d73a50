"""Batch-grading throughput: N correct hand-ins with --jobs J, then a resumed run.

    python3 bench/batch_throughput.py                 # 20 hand-ins, --jobs 2, Parts 1-2
    python3 bench/batch_throughput.py --parts all     # every part in the rubric

Prints submissions per minute (target >= 20 on 2 cores) and the median time of a re-run
with nothing left to grade (target < 2 s), both measured around `python -m kit grade-batch`.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_handins(directory: Path, count: int) -> None:
    directory.mkdir(parents=True)
    skip = lambda info: None if "__pycache__" in info.name else info      # noqa: E731
    for n in range(count):
        with tarfile.open(directory / f"student{n:03d}.tar", "w") as tar:
            for name in ("mytorch", "hw1"):
                if (ROOT / "solution" / name).is_dir():
                    tar.add(ROOT / "solution" / name, arcname=name, filter=skip)


def grade_batch(submissions: Path, out: Path, jobs: int, parts: list) -> float:
    command = [sys.executable, "-m", "kit", "grade-batch", str(submissions), "--out", str(out),
               "--jobs", str(jobs), "--no-progress"] + (["--parts", *parts] if parts else [])
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--parts", nargs="+", default=["1"], help="'all' for every part")
    parser.add_argument("--repeats", type=int, default=5, help="resumed runs to time")
    args = parser.parse_args()
    parts = [] if args.parts == ["all"] else args.parts
    with tempfile.TemporaryDirectory() as tmp:
        submissions, out = Path(tmp) / "submissions", Path(tmp) / "out"
        make_handins(submissions, args.count)
        first = grade_batch(submissions, out, args.jobs, parts)
        resumed = [grade_batch(submissions, out, args.jobs, parts) for _ in range(args.repeats)]
        grades = (out / "grades.csv").read_text().splitlines()[1:]
    full = sum(1 for row in grades if ",ok," in row)
    print(f"{args.count} correct hand-ins, --jobs {args.jobs}, parts {' '.join(args.parts)}: "
          f"{first:.1f} s = {args.count / first * 60:.1f} submissions/min "
          f"({full}/{args.count} graded ok)")
    print(f"resumed run with nothing to grade: median {statistics.median(resumed):.2f} s "
          f"over {args.repeats} runs (min {min(resumed):.2f}, max {max(resumed):.2f})")


if __name__ == "__main__":
    main()
