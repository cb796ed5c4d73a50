"""The instructor command line: ``python -m kit COMMAND``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from kit import HANDOUT, SOLUTION, bundle, handout


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


def cmd_bundle(args: argparse.Namespace) -> int:
    archive = bundle.build(Path(args.out))
    names = bundle.member_names(archive)
    print(f"Wrote {archive} ({len(names)} files, {archive.stat().st_size / 2 ** 10:,.0f} KB).")
    print("A student runs: tar -xzf " + archive.name + f" && cd {bundle.BUNDLE_NAME} && "
          "pip install -r requirements.txt && ./grade.sh")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("handout", help="generate handout/ from solution/ (nbgrader)")
    p.add_argument("--check", action="store_true", help="only report whether handout/ is in sync")
    p.set_defaults(run=cmd_handout)
    p = commands.add_parser("bundle", help="build the student bundle dist/mytorch-handout.tar.gz")
    p.add_argument("--out", default=str(bundle.DIST), help="directory to write it to (default: dist/)")
    p.set_defaults(run=cmd_bundle)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (handout.HandoutError, bundle.BundleError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
