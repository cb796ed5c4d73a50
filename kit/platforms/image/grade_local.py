"""Grade hand-ins locally with the Autolab bundle, in the grading image (otter-grader's model).

    grade_local.py AUTOGRADE_TAR HANDIN_OR_FOLDER OUT_DIR

HANDIN_OR_FOLDER is one hand-in (an archive, or a directory holding ``mytorch/``) or a folder of
them: every entry in it that is not hidden, in any shape the platforms accept (``.tar``,
``.tar.gz``, ``.zip``, a folder, wrapped or not; kit/intake/archive.py), and one that is refused
gets its row at 0 with the reason in its .txt. Each is graded as an Autolab job would be (a
fresh directory with ``autograde.tar`` extracted, ``platform_run.py autolab``, the same
deadline); as root, the student's code runs as ``nobody``. Writes OUT_DIR/<name>.txt (what the student would see) and OUT_DIR/scores.csv (one
row per hand-in: the parts' points, the total, the MNIST accuracy). In the image
(kit/platforms/image/Dockerfile) it is the command ``grade-local``; see docs/platforms.md.
Standard library only.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import List

TIMEOUT = 600            # as the Autolab assessment's autograde_timeout (builders.AUTOLAB_TIMEOUT)
BUNDLE_DIR = "mytorch-autograder"       # the folder autograde.tar holds


def handins(path: Path) -> List[Path]:
    if path.is_file() or (path / "mytorch").is_dir():
        return [path]
    return sorted(p for p in path.iterdir() if not p.name.startswith("."))


def grade(template: Path, handin: Path) -> str:
    """What an Autolab job prints for ``handin``, in a fresh copy of the extracted bundle."""
    with tempfile.TemporaryDirectory() as job:
        os.chmod(job, 0o755)
        shutil.copytree(template, Path(job) / BUNDLE_DIR, symlinks=True)
        try:
            done = subprocess.run([sys.executable, f"{BUNDLE_DIR}/platform_run.py", "autolab",
                                   str(handin.resolve())], cwd=job, capture_output=True,
                                  text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as error:
            return (error.stdout or b"").decode("utf-8", "replace") + "\n(timed out)\n"
        return done.stdout


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    bundle, source, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix="grade-local-"))
    try:
        with tarfile.open(bundle) as tar:
            tar.extractall(unpacked, filter="data")
        rows = grade_all(unpacked / BUNDLE_DIR, handins(source), out)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    columns = ["handin"] + sorted({k for r in rows for k in r} - {"handin", "total", "mnist_accuracy"},
                                  key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99)
    with open(out / "scores.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns + ["total", "mnist_accuracy"], restval=0)
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {out / 'scores.csv'} and one .txt per hand-in.")
    return 0


def grade_all(template: Path, paths: List[Path], out: Path) -> List[dict]:
    """One row per hand-in: its name (the file's without the archive suffix), the scores."""
    sys.path.insert(0, str(template))
    from kit.intake.archive import name_as_text, split_suffix     # the bundle's own copy
    rows = []
    for handin in paths:
        split = split_suffix(handin.name) if handin.is_file() else None
        name = name_as_text(split[0] if split else handin.name)
        text = grade(template, handin)
        (out / f"{name}.txt").write_text(text)
        try:
            last = json.loads(text.strip().splitlines()[-1])
        except (IndexError, ValueError):
            last = {"scores": {}, "scoreboard": [0, 0]}
        board = last.get("scoreboard", [0, 0]) + [0, 0]
        rows.append({"handin": name, **last["scores"], "total": board[0], "mnist_accuracy": board[1]})
        print(f"{name}: {board[0]:g}", flush=True)
    return rows


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
