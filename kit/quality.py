"""How good is the autograder? Grade deliberate bugs (mutants) and correct rewrites (variants).

The catalogue is data, in tests/mutants/: ``mutants.toml`` holds realistic student bugs,
``variants.toml`` correct implementations written differently from the reference. Each entry
is a list of patches (file, exact ``old`` text, ``new`` text) applied to a scratch copy of
solution/, which is then graded by the public grader (``grade.sh --target COPY PART``) on the
entry's part only. A mutant is *caught* when its part loses points; a variant must keep full
marks. ``python -m kit quality-report`` runs everything and writes docs/autograder-quality.md.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from kit import ROOT, SOLUTION

CATALOGUE = ROOT / "tests" / "mutants"
REPORT = ROOT / "docs" / "autograder-quality.md"
PARALLEL = 2                 # grading runs at a time (CI has 2 cores)
GRADE_TIMEOUT = 900          # seconds for one grading run


class CatalogueError(Exception):
    """A catalogue entry that cannot be applied to the current solution."""


@dataclass(frozen=True)
class Patch:
    file: str                # relative to solution/
    old: str                 # must occur exactly once in the file
    new: str


@dataclass(frozen=True)
class Entry:
    """A mutant (a bug that must lose points) or a variant (a rewrite that must not)."""
    id: str
    part: str                # the rubric part number it belongs to, e.g. "2.4"
    description: str
    patches: List[Patch]
    kind: str                # "mutant" or "variant"
    also: List[str] = field(default_factory=list)   # further parts to grade (variants)

    @property
    def parts(self) -> List[str]:
        return [self.part, *self.also]


@dataclass
class Outcome:
    """What the grader said about one entry."""
    entry: Entry
    score: float             # on the entry's own part
    max_score: float
    other_scores: Dict[str, tuple] = field(default_factory=dict)   # part -> (score, max)
    failed_checks: List[str] = field(default_factory=list)   # "2.4 [train]"
    first_message: str = ""  # the first line of the first failing check's feedback
    stdout: str = ""
    error: str = ""          # set when grading itself did not work

    @property
    def caught(self) -> bool:
        return not self.error and self.score < self.max_score

    @property
    def full_marks(self) -> bool:
        """Full marks on the entry's part and on every part in ``also``."""
        return (not self.error and self.score == self.max_score
                and all(got == most for got, most in self.other_scores.values()))


def load(kind: str, directory: Path = CATALOGUE) -> List[Entry]:
    """The entries of ``mutants.toml`` (kind "mutant") or ``variants.toml`` ("variant")."""
    with open(directory / f"{kind}s.toml", "rb") as handle:
        raw = tomllib.load(handle)
    entries = []
    for item in raw[kind]:
        patches = [Patch(p["file"], p["old"], p["new"]) for p in item["patch"]]
        entries.append(Entry(item["id"], str(item["part"]), item["description"], patches, kind,
                             [str(p) for p in item.get("also", [])]))
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"{kind}s.toml: duplicate ids {duplicates}")
    return entries


def apply(entry: Entry, target: Path) -> None:
    """Apply the entry's patches to ``target`` (a copy of solution/), each exactly once."""
    for patch in entry.patches:
        path = target / patch.file
        text = path.read_text()
        count = text.count(patch.old)
        if count != 1:
            raise CatalogueError(f"{entry.id}: the text to replace occurs {count} times in "
                                 f"{patch.file} (expected once); update the catalogue.\n"
                                 f"--- old text:\n{patch.old}")
        path.write_text(text.replace(patch.old, patch.new))


def copy_solution(destination: Path) -> Path:
    shutil.copytree(SOLUTION, destination, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    return destination


def grade(target: Path, parts: Iterable[str], json_path: Path) -> subprocess.CompletedProcess:
    """Run the public grader, exactly as a student would (plain text, no colour)."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(ROOT / "grade.sh"), "--target", str(target), "--no-color",
                           "--json", str(json_path), *parts],
                          capture_output=True, text=True, env=env, timeout=GRADE_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def evaluate(entry: Entry, scratch: Path) -> Outcome:
    """Patch a copy of the solution, grade the entry's part, and read the results."""
    target = copy_solution(scratch / "target")
    apply(entry, target)
    results = scratch / "results.json"
    done = grade(target, entry.parts, results)
    if done.returncode != 0 or not results.is_file():
        return Outcome(entry, 0.0, 0.0, stdout=done.stdout,
                       error=f"grade.sh exited with {done.returncode}: {done.stderr[-2000:]}")
    tests = json.loads(results.read_text())["tests"]
    totals: Dict[str, List[float]] = {}
    for test in tests:
        total = totals.setdefault(str(test["number"]), [0.0, 0.0])
        total[0] += float(test["score"])
        total[1] += float(test["max_score"])
    own = totals.pop(entry.part, [0.0, 0.0])
    outcome = Outcome(entry, own[0], own[1], {p: tuple(t) for p, t in totals.items()},
                      stdout=done.stdout)
    for test in tests:
        if test["status"] != "passed":
            check = test["name"].rsplit(": ", 1)[-1]
            outcome.failed_checks.append(f"{test['number']} [{check}]")
            if not outcome.first_message:
                feedback = (test.get("output") or "").strip().splitlines()
                outcome.first_message = feedback[0] if feedback else ""
    return outcome


def run(entries: List[Entry], parallel: int = PARALLEL) -> List[Outcome]:
    """Evaluate every entry, ``parallel`` grading runs at a time; results in catalogue order."""
    def one(entry: Entry) -> Outcome:
        with tempfile.TemporaryDirectory(prefix=f"mutant-{entry.id}-") as scratch:
            try:
                return evaluate(entry, Path(scratch))
            except CatalogueError as error:
                return Outcome(entry, 0.0, 0.0, error=str(error))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, entries))


# ------------------------------------------------------------------------------ report
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(mutants: List[Outcome], variants: List[Outcome], seconds: Optional[float] = None) -> str:
    """docs/autograder-quality.md: the mutant table, the variant table and the kill rate."""
    caught = sum(o.caught for o in mutants)
    clean = sum(o.full_marks for o in variants)
    lines = [
        "# Autograder quality: mutants and variants",
        "",
        "Generated by `python3 -m kit quality-report` (do not edit by hand). Each mutant is a",
        "realistic student bug, each variant a correct implementation written differently from",
        "the reference; both are kept as patches of `solution/` in `tests/mutants/` and graded",
        "by `./grade.sh --target COPY PART` on their own part. `tests/test_mutants.py` asserts",
        "every row below on each CI run.",
        "",
        f"**Kill rate: {caught}/{len(mutants)} mutants caught "
        f"({100.0 * caught / max(len(mutants), 1):.0f}%). "
        f"Variants with full marks: {clean}/{len(variants)}.**",
        "",
        "## Mutants (each must lose points in its part)",
        "",
        "| # | part | id | the bug | points | caught by | first feedback line |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, o in enumerate(mutants, 1):
        verdict = ", ".join(o.failed_checks) if o.caught else f"**NOT CAUGHT** {o.error}"
        lines.append(f"| {k} | {o.entry.part} | `{o.entry.id}` | {_cell(o.entry.description)} | "
                     f"{o.score:g}/{o.max_score:g} | {_cell(verdict)} | {_cell(o.first_message)} |")
    lines += ["", "## Variants (each must keep full marks)", "",
              "| # | part | id | the rewrite | points | result |", "|---|---|---|---|---|---|"]
    for k, o in enumerate(variants, 1):
        verdict = "full marks" if o.full_marks else \
            f"**PENALISED** {', '.join(o.failed_checks)} {o.error}".strip()
        lines.append(f"| {k} | {o.entry.part} | `{o.entry.id}` | {_cell(o.entry.description)} | "
                     f"{o.score:g}/{o.max_score:g} | {_cell(verdict)} |")
    lines += ["", TOLERANCES.strip(), ""]
    if seconds is not None:
        lines += [f"Grading the catalogue took {seconds:.0f} s on this machine "
                  f"({PARALLEL} runs at a time).", ""]
    return "\n".join(lines)


TOLERANCES = """
## Why the tolerances are what they are

`autograder/grader/compare.py` accepts `|got - expected| <= 1e-8 + 1e-6 * |expected|` (numpy's
`isclose` with `rtol=1e-6`, `atol=1e-8`), with float64 on both sides: the probes hand the
student's code float64 arrays, and the reference is PyTorch in float64.

- *Correct code is far inside it.* Two correct float64 implementations differ by rounding
  only: about 1e-16 relative per operation, growing with the number of terms summed (a few
  hundred at most in these checks), so below 1e-13. The variants above use that margin:
  BatchNorm and cross-entropy built from graph operations against the reference's fused
  Functions with written-out backward formulas, Conv2d by einsum against batched im2col,
  a recursive engine, Adam in the paper's `eps_hat` form. All keep full marks.
- *Bugs are far outside it.* The subtlest bugs in the catalogue change results by 1e-5
  relative or more: the unbiased instead of the biased variance scales `x_hat` by
  `sqrt(m/(m-1))` (7% for m = 8); `eps` outside the square root changes `1/sqrt(var + eps)`
  by about `eps / sqrt(var)` relative (1e-5 for var of 1, more for the eps = 1e-3 case, and a
  factor of about 300 for the constant-feature case, where var = 0). Adam's `eps` inside the
  square root is invisible with gradients of size 1 (1e-8 against 1), which is why the Adam
  check also uses gradients of size 1e-6, where it changes the step a hundredfold.
- *float32 would not fit.* Computing in float32 costs about 1e-7 relative per operation,
  which reaches rtol after a few hundred terms; the specification is float64 throughout, so
  a float32 result is a real deviation, and the feedback shows the size of the error.
- *Large logits.* The stability check uses logits of size 1e3 and 1e5: without the max shift
  `exp` overflows to inf and the loss becomes nan, which no tolerance accepts; with the shift
  the loss is a difference of numbers of size 1e5, whose rounding error (1e5 * 1e-16 = 1e-11)
  is below the absolute tolerance.
- *Kinks and poles.* ReLU's value checks keep inputs at least 0.01 away from 0; one separate
  test feeds exact zeros to check the convention the docstring states and PyTorch uses (the
  derivative at 0 is 0). Divisors in the Div checks are kept in [0.5, 2] in magnitude.
- *Near-zero variance.* One BatchNorm case has a feature that is constant within each batch:
  `x_hat` is 0 up to the rounding of the mean (inside `atol`), while the input gradient
  `gamma / sqrt(eps)` times a centred upstream is large and compared relatively.
- *Same score every run.* Inputs come from `numpy.random.default_rng(crc32(test id))`, the
  MNIST run from `np.random.seed(0)`, and the student process runs numpy with one BLAS thread,
  so sums are added in the same order every time; `tests/test_determinism.py` grades the
  solution and three mutants five times each and requires identical output.
"""


def write_report(parallel: int = PARALLEL, path: Path = REPORT) -> int:
    """Run the catalogue and write the report; returns 0 when every promise holds."""
    import time
    started = time.monotonic()
    mutants = run(load("mutant"), parallel)
    variants = run(load("variant"), parallel)
    elapsed = time.monotonic() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(mutants, variants, elapsed))
    missed = [o.entry.id for o in mutants if not o.caught]
    penalised = [o.entry.id for o in variants if not o.full_marks]
    caught = len(mutants) - len(missed)
    print(f"{caught}/{len(mutants)} mutants caught, {len(variants) - len(penalised)}/"
          f"{len(variants)} variants with full marks ({elapsed:.0f} s); wrote {path}.")
    for name, ids in (("not caught", missed), ("penalised", penalised)):
        if ids:
            print(f"  {name}: {', '.join(ids)}", file=sys.stderr)
    return 0 if not missed and not penalised else 1


def timing_free(stdout: str, target: Path) -> str:
    """A grading run's output without what may legitimately change: the path and the time."""
    text = stdout.replace(str(target), "<target>")
    return re.sub(r"(?m)^\(\d+(\.\d+)? s\)$", "(time)", text)


__all__ = ["Entry", "Outcome", "Patch", "CatalogueError", "load", "apply", "copy_solution",
           "grade", "evaluate", "run", "render", "write_report", "timing_free"]
