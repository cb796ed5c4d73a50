"""The instructor command line: ``python -m kit COMMAND``."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from kit import HANDOUT, SOLUTION, handout


def cmd_handout(args: argparse.Namespace) -> int:
    if args.check:
        problems = handout.differences(SOLUTION, HANDOUT)
        if problems:
            print("handout/ is out of sync with solution/ (run: python -m kit handout):")
            print("\n".join("  " + p for p in problems))
            return 1
        print("handout/ is in sync with solution/.")
        return 0
    files = handout.generate(SOLUTION, HANDOUT)
    print(f"Wrote {len(files)} files to {HANDOUT}.")
    return 0


def cmd_quality_report(args: argparse.Namespace) -> int:
    from kit import quality
    return quality.write_report(parallel=args.parallel)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("handout", help="generate handout/ from solution/ (nbgrader)")
    p.add_argument("--check", action="store_true", help="only report whether handout/ is in sync")
    p.set_defaults(run=cmd_handout)
    p = commands.add_parser("quality-report", help="grade the mutant and variant catalogue "
                            "(tests/mutants/) and write docs/autograder-quality.md")
    p.add_argument("--parallel", type=int, default=2, help="grading runs at a time (default 2)")
    p.set_defaults(run=cmd_quality_report)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except handout.HandoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
