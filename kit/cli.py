"""The instructor command line: ``python -m kit COMMAND``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from kit.cli_batch import add_batch_commands
from kit.paths import HANDOUT, SOLUTION


def release_module(name: str):
    """kit.release.handout or .bundle, imported on demand (they load nbgrader, which is slow and
    installed with the instructor extra only); None, with a message, when nbgrader is missing."""
    import importlib
    try:
        return importlib.import_module(f"kit.release.{name}")
    except ModuleNotFoundError as error:
        if error.name != "nbgrader":
            raise
        print('error: this command needs nbgrader: python3 -m pip install -e ".[instructor]" '
              "(Python 3.11 or newer)", file=sys.stderr)
        return None


def cmd_handout(args: argparse.Namespace) -> int:
    handout = release_module("handout")
    if handout is None:
        return 1
    try:
        return _handout(args, handout)
    except handout.HandoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _handout(args: argparse.Namespace, handout) -> int:
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


def cmd_bundle(args: argparse.Namespace) -> int:
    bundle = release_module("bundle")
    if bundle is None:
        return 1
    try:
        archive = bundle.build(Path(args.out) if args.out else bundle.DIST,
                               notebook=args.notebook)
    except (bundle.BundleError, bundle.handout.HandoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    names = bundle.member_names(archive)
    print(f"Wrote {archive} ({len(names)} files, {archive.stat().st_size / 2 ** 10:,.0f} KB).")
    print("A student runs: tar -xzf " + archive.name + f" && cd {bundle.BUNDLE_NAME} && "
          "pip install -r requirements.txt && ./grade.sh")
    return 0


def cmd_quality_report(args: argparse.Namespace) -> int:
    from kit.quality import report
    return report.write_report(parallel=args.parallel)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("handout", help="generate handout/ from solution/ (nbgrader)")
    p.add_argument("--check", action="store_true", help="only report whether handout/ is in sync")
    p.set_defaults(run=cmd_handout)
    p = commands.add_parser("bundle", help="build the student bundle dist/mytorch-handout.tar.gz")
    p.add_argument("--out", help="directory to write it to (default: dist/ in the repository)")
    p.add_argument("--notebook", action="store_true",
                   help="Part 3 as the Jupyter notebook hw1/mnist.ipynb instead of hw1/mnist.py")
    p.set_defaults(run=cmd_bundle)
    add_batch_commands(commands)
    p = commands.add_parser("quality-report", help="grade the mutant and variant catalogue "
                            "(tests/mutants/) and write docs/autograder-quality.md")
    p.add_argument("--parallel", type=int, default=2, help="grading runs at a time (default 2)")
    p.set_defaults(run=cmd_quality_report)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.run(args)
        sys.stdout.flush()              # inside the try: a closed pipe surfaces here
        return status
    except BrokenPipeError:
        # The reader went away (``python -m kit ... | head``): stop quietly, as cat does.
        # stdout now points at /dev/null so that the interpreter's final flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141                      # 128 + SIGPIPE, what a shell reports for this
