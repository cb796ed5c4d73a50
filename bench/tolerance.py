"""Benchmark: how far inside the grader's tolerance correct code is, and how far outside bugs are.

Every value comparison of the grader (compare.check_close: |got - expected| <= atol + rtol *
|expected| entrywise) is recorded as the ratio r = max |got - expected| / (atol + rtol *
|expected|): r <= 1 passes. Graded (Parts 1, 2 and 4; Part 3 is an accuracy threshold):
    the reference solution and the correct variants of tests/mutants/variants.toml: the
        largest r over the comparisons their tests passed;
    the mutants of tests/mutants/mutants.toml (realistic bugs): for each, the largest r among
        the comparisons that failed one of its tests (how clearly the bug is caught), or how it
        was caught otherwise (a shape, a flag, nan, an exception).

    python3 bench/tolerance.py           # the whole catalogue, one grading run each (minutes)
    python3 bench/tolerance.py --quick   # the reference, a variant and the closest mutant (tests)
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUICK = ("bn-through-the-graph", "bn-eps-outside-sqrt")    # the closest mutant


def record(target: str, parts: List[str], out: str) -> None:
    """Grade ``parts`` of ``target`` in this process, writing every comparison's r to ``out``."""
    import numpy as np
    import pytest

    from autograder.common.paths import AUTOGRADER_DIR
    from autograder.grader import compare
    from autograder.grader.rubric import Rubric

    tests: Dict[str, dict] = {}
    current: List[str] = [""]
    original = compare.check_close

    def recording_check_close(got, expected, **options) -> None:
        rtol, atol = options.get("rtol", compare.RTOL), options.get("atol", compare.ATOL)
        mine, theirs = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        ratio = None
        if mine.shape == theirs.shape and np.isfinite(mine).all() and np.isfinite(theirs).all():
            ratio = float((np.abs(mine - theirs) / (atol + rtol * np.abs(theirs))).max(initial=0))
        entry = [ratio, False]
        tests.setdefault(current[0], {"comparisons": []})["comparisons"].append(entry)
        try:
            original(got, expected, **options)
        except compare.GradingFailure:
            entry[1] = True
            raise

    class Recorder:
        @staticmethod
        def pytest_runtest_setup(item) -> None:
            current[0] = item.nodeid

        @staticmethod
        def pytest_runtest_logreport(report) -> None:
            if report.when == "call":
                tests.setdefault(report.nodeid, {"comparisons": []})["outcome"] = report.outcome

    compare.check_close = recording_check_close    # before the tests import it
    names = " or ".join(Rubric().by_number[p].name for p in parts)
    code = pytest.main([str(AUTOGRADER_DIR), "-c", str(AUTOGRADER_DIR / "pytest.ini"),
                        "--target", target, "-m", names, "-p", "no:terminal"],
                       plugins=[Recorder()])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not tests:
        sys.exit(f"the autograder did not run (pytest exit code {int(code)})")
    Path(out).write_text(json.dumps(tests))


def run(target: Path, parts: List[str], scratch: Path) -> Dict[str, dict]:
    out = scratch / "record.json"
    done = subprocess.run([sys.executable, __file__, "--record", str(target), str(out), *parts],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    if done.returncode != 0 or not out.is_file():
        sys.exit(f"recording {target} {parts} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return json.loads(out.read_text())


def inside(tests: Dict[str, dict]) -> float:
    """Largest r among the comparisons that passed, over the tests that passed."""
    return max((r for t in tests.values() if t.get("outcome") == "passed"
                for r, raised in t["comparisons"] if r is not None and not raised), default=0.0)


def outside(tests: Dict[str, dict]) -> float:
    """Largest r of a failed value comparison (0: no failure by value; inf: none failed)."""
    failed = [t for t in tests.values() if t.get("outcome") == "failed"]
    if not failed:
        return math.inf
    return max((t["comparisons"][-1][0] or 0.0 for t in failed
                if t["comparisons"] and t["comparisons"][-1][1]), default=0.0)


def main() -> None:
    if sys.argv[1:2] == ["--record"]:
        record(sys.argv[2], sys.argv[4:], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    from autograder.grader.rubric import Rubric
    from kit.paths import SOLUTION
    from kit.quality import catalogue

    graded = [p.number for p in Rubric().parts if p.number != "3"]
    entries = [e for kind in ("variant", "mutant") for e in catalogue.load(kind) if e.part != "3"]
    if args.quick:
        entries = [e for e in entries if e.id in QUICK]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        reference = inside(run(SOLUTION, graded, scratch))
        print(f"reference solution: largest error / allowed error {reference:.2g}")
        correct, caught = [("reference", reference)], []
        for entry in entries:
            target = catalogue.copy_solution(scratch / entry.id)
            catalogue.apply(entry, target)
            tests = run(target, [entry.part], scratch)
            if entry.kind == "variant":
                correct.append((entry.id, inside(tests)))
                print(f"  variant {entry.id}: largest error / allowed {correct[-1][1]:.2g}")
            else:
                caught.append((entry.id, outside(tests)))
                print(f"  mutant  {entry.id}: failed by a factor of {caught[-1][1]:.3g}")
    worst_correct = max(correct, key=lambda item: item[1])
    by_value = [item for item in caught if 0 < item[1] < math.inf]
    print(f"\ncorrect code ({len(correct)}): largest error / allowed error {worst_correct[1]:.2g} "
          f"({worst_correct[0]})")
    if by_value:
        closest = min(by_value, key=lambda item: item[1])
        print(f"mutants caught by a value ({len(by_value)}): the closest exceeds the allowed "
              f"error by a factor of {closest[1]:.3g} ({closest[0]})")
    print(f"mutants caught otherwise (shape, flag, nan, exception): "
          f"{sum(1 for _, r in caught if r == 0)}; not caught: "
          f"{sum(1 for _, r in caught if r == math.inf)}")
    print(f"RESULT tolerance correct_max={worst_correct[1]:.3g} "
          f"mutant_min={min((r for _, r in by_value), default=math.inf):.3g}")


if __name__ == "__main__":
    main()
