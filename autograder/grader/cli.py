"""``python -m autograder`` / ``./grade.sh``: grade one target and report the score.

Scans the target for forbidden imports first and says what it found (import_policy.py: what
they cost, the same as in a batch). Prints the feedback for every failed check, a score table,
``Total: got/available`` and, as the very last line, Autolab's scores JSON. ``--json FILE``
also writes Gradescope's results.json.
Exit status: 0 when grading worked (whatever the score), 2 for a usage error, 1 when the
grader itself could not run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import pytest

from autograder.common.paths import AUTOGRADER_DIR, PYTEST_INI, ROOT
from autograder.grader import import_policy, process_limits, report
from autograder.grader.results import ResultCollector
from autograder.grader.rubric import Rubric


def parse_args(argv: Optional[List[str]], rubric: Rubric) -> argparse.Namespace:
    names = ", ".join(f"{p.number}/{p.name}" for p in rubric.all_parts)
    parser = argparse.ArgumentParser(
        prog="grade.sh", description="Grade a MyTorch implementation against PyTorch.",
        epilog=f"Parts: {names}. Groups: " + ", ".join(
            f"{k} = {'+'.join(p.number for p in rubric.group(k))}" for k in rubric.selectors))
    parser.add_argument("parts", nargs="*", help="parts to grade (default: all)")
    parser.add_argument("--target", help="the directory holding mytorch/ to grade "
                                         "(default: handout/, or . inside the student bundle)")
    parser.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show every failing test, not only the first of each check")
    parser.add_argument("--no-color", action="store_true", help="never use colour")
    parser.add_argument("--hidden", action="store_true",
                        help="also run the instructor's hidden tests (autograder/hidden/)")
    return parser.parse_args(argv)


def default_target() -> Path:
    """The student bundle keeps mytorch/ beside autograder/; the repository keeps handout/."""
    return ROOT if (ROOT / "mytorch").is_dir() else ROOT / "handout"


def main(argv: Optional[List[str]] = None) -> int:
    rubric = Rubric()
    args = parse_args(argv, rubric)
    try:
        parts = rubric.select(args.parts)
        process_limits.current()        # a malformed AUTOGRADER_MEMORY_MB, ...: said here, once
    except ValueError as error:
        print(f"grade.sh: {error}", file=sys.stderr)
        return 2
    target = Path(args.target).resolve() if args.target else default_target()
    if not target.is_dir():
        print(f"grade.sh: the target {target} is not a directory.", file=sys.stderr)
        return 2
    try:
        verdict = import_policy.judge(target, parts, rubric)
    except ValueError as error:
        print(f"grade.sh: {error}", file=sys.stderr)
        return 2
    style = report.Style(colour=False if args.no_color else None)
    print(f"Grading {target} ({len(parts)} part{'s' * (len(parts) != 1)}) ...", flush=True)
    if not (target / "mytorch").is_dir():
        print(f"warning: {target} has no mytorch/ directory; every part will score 0.")
    if verdict.findings:
        cost = ("the parts listed below score 0" if verdict.forfeited
                else "no part graded here is affected")
        print(style.bad("warning") + f": {verdict.summary}. Such an import is not allowed, even "
              f"unused: {cost}.", flush=True)

    collector = ResultCollector(rubric)
    started = time.monotonic()
    pytest_args = [str(AUTOGRADER_DIR), "-c", str(PYTEST_INI),
                   "--rootdir", str(ROOT), "--target", str(target),
                   "-m", " or ".join(p.name for p in parts), "-q", "--tb=no", "-p", "no:warnings",
                   # no capture: a long check (Part 3) shows the student process's progress bar
                   "--capture=no"]
    if args.hidden:
        pytest_args.append("--hidden")
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        code = pytest.main(pytest_args, plugins=[collector])
    elapsed = time.monotonic() - started
    if code == pytest.ExitCode.INTERRUPTED:
        print("Grading interrupted.", file=sys.stderr)
        return 130
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        print(f"grade.sh: the autograder could not run (pytest exit code {int(code)}):\n"
              + log.getvalue()[-3000:], file=sys.stderr)
        return 1

    results = collector.check_results(parts, verdict.forfeited)
    feedback = report.feedback_text(results, args.verbose, style)
    if feedback:
        print("\n" + feedback)
    print("\n" + report.score_table(parts, results, style))
    print(f"({elapsed:.1f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(report.gradescope_results(
            parts, results, elapsed, args.verbose,
            hidden_visibility=rubric.platforms.get("hidden_visibility")), indent=2))
    print(report.autolab_line(parts, results))
    return 0
