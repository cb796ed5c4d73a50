"""The Gradescope bundle within Gradescope's default limits (768 MB, 10 minutes, half a vCPU).

    python3 bench/platform_limits.py              # both measurements
    python3 bench/platform_limits.py --memory     # only the reference's peak memory
    python3 bench/platform_limits.py --hang       # only the all-hanging submission

Builds dist/autograder.zip, lays it out as Gradescope does (source/, run_autograder copied to
the root, submission/, results/) in a temporary GRADESCOPE_ROOT and runs it:
- the reference solution, sampling the summed RSS of every process of the run (run_autograder,
  the grader, the student process) every 50 ms: target <= 600 MB;
- a hand-in whose every student function loops forever (each stub of the handout replaced by
  `while True: pass`), pinned to one core with `taskset -c 0`: its wall time, target <= 480 s,
  and it must still end with results.json and feedback.
The interpreter is this one (MYTORCH_PYTHON), as when the bundle's venv runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from processes import wait_sampling_rss

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MEMORY_TARGET_MB = 600
HANG_TARGET_S = 480


def tar_of(tree: Path, archive: Path) -> None:
    with tarfile.open(archive, "w") as tar:
        for name in ("mytorch", "hw1"):
            tar.add(tree / name, arcname=name,
                    filter=lambda info: None if "__pycache__" in info.name else info)


def hanging_tree(directory: Path) -> Path:
    """The handout with every `raise NotImplementedError...` replaced by an endless loop."""
    tree = directory / "hang"
    shutil.copytree(ROOT / "handout", tree, ignore=shutil.ignore_patterns("__pycache__"))
    for path in tree.rglob("*.py"):
        text = path.read_text()
        looped = re.sub(r"^(\s*)raise NotImplementedError.*$", r"\1while True:\n\1    pass",
                        text, flags=re.M)
        if looped != text:
            path.write_text(looped)
    return tree


def layout(bundle: Path, directory: Path, handin_tree: Path) -> Path:
    root = directory / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    (root / "results").mkdir()
    (root / "submission").mkdir()
    tar_of(handin_tree, root / "submission" / "handin.tar")
    return root


def run(root: Path, prefix: list) -> tuple:
    """(wall seconds, peak summed RSS MB, results.json) of one run_autograder."""
    env = {**os.environ, "GRADESCOPE_ROOT": str(root), "MYTORCH_PYTHON": sys.executable}
    started = time.monotonic()
    process = subprocess.Popen(prefix + [str(root / "run_autograder")], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = wait_sampling_rss(process)
    wall = time.monotonic() - started
    return wall, peak, json.loads((root / "results" / "results.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()
    both = not (args.memory or args.hang)
    from kit.platforms import builders
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle = builders.build_gradescope(tmp / "dist")
        if args.memory or both:
            wall, peak, data = run(layout(bundle, tmp / "ref", ROOT / "solution"), [])
            good = peak <= MEMORY_TARGET_MB and data["score"] == sum(
                t["max_score"] for t in data["tests"])
            ok &= good
            print(f"reference: peak summed RSS {peak:.0f} MB (target <= {MEMORY_TARGET_MB} MB), "
                  f"score {data['score']:g}, {wall:.0f} s  {'ok' if good else 'FAIL'}")
        if args.hang or both:
            pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
            wall, peak, data = run(layout(bundle, tmp / "hang", hanging_tree(tmp)), pin)
            failed = [t for t in data["tests"] if t["status"] == "failed" and t["output"]]
            good = wall <= HANG_TARGET_S and len(failed) == len(data["tests"])
            ok &= good
            print(f"all-hanging submission at one core{'' if pin else ' (no taskset: all cores)'}: "
                  f"{wall:.0f} s wall (target <= {HANG_TARGET_S} s), score {data['score']:g}, "
                  f"{len(failed)}/{len(data['tests'])} checks with feedback, peak {peak:.0f} MB  "
                  f"{'ok' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
