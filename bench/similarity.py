"""Similarity report at course scale: 400 synthetic hand-ins (80k pairs) on 2 processes.

Each synthetic hand-in is the handout with every stub replaced by randomly generated code of
its own (so the hand-ins are independent), except a few planted pairs: a renamed, reformatted
and reordered copy of another hand-in. Prints the time of ``python3 -m kit similarity`` (in
process: collect, fingerprint, index, rank, HTML) and checks that the planted pairs rank first.

    python3 bench/similarity.py            # 400 hand-ins, 10 planted copies
    python3 bench/similarity.py --quick    # 30 hand-ins (the kit's tests run this)
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from kit.paths import HANDOUT                       # noqa: E402
from kit.similarity import report                   # noqa: E402

STUB = re.compile(r'^(\s*)(# TODO: .*\n\s*)?raise NotImplementedError\("[\w.]+ \(Part[^"]*"\)$',
                  re.MULTILINE)
NAMES = ["x", "y", "grad", "out", "tmp", "acc", "w", "b", "total", "scale", "idx", "val"]
CALLS = ["np.sum", "np.mean", "np.exp", "np.maximum", "np.sqrt", "np.dot", "np.zeros_like",
         "np.clip", "np.where", "np.log", "len", "abs", "float"]
OPS = ["+", "-", "*", "/", "@", "**"]


def expression(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.3:
        return rng.choice(NAMES + [str(rng.randint(0, 9)), f"{rng.random():.2f}"])
    if roll < 0.6:
        return f"{expression(rng, depth + 1)} {rng.choice(OPS)} {expression(rng, depth + 1)}"
    if roll < 0.8:
        args = ", ".join(expression(rng, depth + 1) for _ in range(rng.randint(1, 3)))
        return f"{rng.choice(CALLS)}({args})"
    return f"{rng.choice(NAMES)}[{expression(rng, depth + 1)}]"


def block(rng: random.Random, indent: str, depth: int = 0) -> str:
    lines = []
    for _ in range(rng.randint(2, 6)):
        roll = rng.random()
        if depth < 2 and roll < 0.15:
            lines.append(f"{indent}for {rng.choice(NAMES)} in range({expression(rng, 2)}):")
            lines.append(block(rng, indent + "    ", depth + 1))
        elif depth < 2 and roll < 0.3:
            lines.append(f"{indent}if {expression(rng, 1)} > {expression(rng, 2)}:")
            lines.append(block(rng, indent + "    ", depth + 1))
        else:
            lines.append(f"{indent}{rng.choice(NAMES)} = {expression(rng)}")
    return "\n".join(lines)


def synthetic_tree(directory: Path, seed: int) -> None:
    rng = random.Random(seed)
    for path in HANDOUT.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        target = directory / path.relative_to(HANDOUT)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text()
        text = STUB.sub(lambda m: block(rng, m.group(1)) + f"\n{m.group(1)}return out", text)
        target.write_text(text)


def disguise(source: str, seed: int) -> str:
    """Rename every generated variable, respace, add comments (what a copier does)."""
    rng = random.Random(seed)
    renamed = {n: f"{n}_{rng.randint(100, 999)}" for n in NAMES}
    source = re.sub(r"(?<![.\w])(" + "|".join(NAMES) + r")\b", lambda m: renamed[m.group(1)], source)
    out = []
    for line in source.splitlines():
        out.append(line.replace(" = ", "=").replace(", ", ",  "))
        if line.rstrip().endswith(":") and rng.random() < 0.5:
            out.append(line[:len(line) - len(line.lstrip())] + "    # looping over it")
    return "\n".join(out) + "\n"


def tar_tree(tree: Path, archive: Path) -> None:
    with tarfile.open(archive, "w") as tar:
        for name in ("mytorch", "hw1"):
            tar.add(tree / name, arcname=name)


def build(submissions: Path, work: Path, count: int, copies: int) -> list:
    submissions.mkdir(parents=True)
    planted = []
    for n in range(count):
        tree = work / f"s{n:03d}"
        if n >= count - copies:                       # a copy of student (n - count + copies)
            original = work / f"s{n - (count - copies):03d}"
            for path in original.rglob("*.py"):
                target = tree / path.relative_to(original)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(disguise(path.read_text(), n))
            planted.append(tuple(sorted((original.name, tree.name))))
        else:
            synthetic_tree(tree, n)
        tar_tree(tree, submissions / f"{tree.name}.tar")
    return planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 hand-ins, for the tests")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    count = 30 if args.quick else args.count
    copies = 3 if args.quick else 10
    with tempfile.TemporaryDirectory(prefix="mytorch-similarity-bench-") as base:
        base = Path(base)
        started = time.perf_counter()
        planted = build(base / "subs", base / "work", count, copies)
        print(f"built {count} hand-ins ({copies} disguised copies) in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        pairs = report.compare(base / "subs", base / "report", jobs=args.jobs)
        elapsed = time.perf_counter() - started
        top = {tuple(sorted((p.a, p.b))) for p in pairs[:len(planted)]}
        flagged = sum(p.fraction >= report.THRESHOLD for p in pairs)
        print(f"{count} hand-ins, {count * (count - 1) // 2} possible pairs, {len(pairs)} sharing "
              f"fingerprints, {flagged} flagged; planted copies ranked first: "
              f"{'yes' if top == set(planted) else 'NO'}")
        print(f"RESULT similarity handins={count} jobs={args.jobs} seconds={elapsed:.1f}")
        return 0 if top == set(planted) else 1


if __name__ == "__main__":
    raise SystemExit(main())
