"""What a batch publishes from the gradebook: grades.csv, one feedback file per student, and a
score-distribution plot per part."""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Dict, List

from autograder.grader.rubric import Part
from kit.gradebook.store import Graded


def safe_file_name(submission_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", submission_id) or "_"


def write_csv(path: Path, parts: List[Part], graded: Dict[str, Graded]) -> None:
    """One row per student: a column per part, the total, grading_status and its reason."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id"] + [f"{p.number} {p.name}" for p in parts]
                        + ["total", "max_total", "grading_status", "reason"])
        for submission_id in sorted(graded):
            g = graded[submission_id]
            points = {r.part: r.points for r in g.parts}
            writer.writerow([submission_id] + [f"{points.get(p.number, 0.0):g}" for p in parts]
                            + [f"{g.points:g}", f"{g.max_points:g}", g.status, g.reason])


def feedback_text(g: Graded) -> str:
    lines = [f"Feedback for {g.submission_id}",
             f"Score: {g.points:g}/{g.max_points:g}   (grading status: {g.status})"]
    if g.reason:
        lines.append(f"Note: {g.reason}")
    lines.append("")
    for r in g.parts:
        lines.append(f"Part {r.part} {r.name}: {r.points:g}/{r.max_points:g}")
        if r.feedback:
            lines.extend("    " + line for line in r.feedback.splitlines())
    lines.append("")
    lines.append(f"Archive sha256 {g.archive_sha256}, graded {g.graded_at} "
                 f"(grader {g.grader_version[:12]}).")
    return "\n".join(lines) + "\n"


def write_feedback(directory: Path, graded: Dict[str, Graded]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for submission_id, g in graded.items():
        (directory / f"{safe_file_name(submission_id)}.txt").write_text(feedback_text(g))


def write_plots(directory: Path, parts: List[Part], graded: Dict[str, Graded]) -> List[Path]:
    """A histogram of the scores of every part, and one of the totals."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    series = [(f"part_{p.number}_{p.name}", f"Part {p.number} {p.title}", p.points,
               [r.points for g in graded.values() for r in g.parts if r.part == p.number])
              for p in parts]
    series.append(("total", "Total", sum(p.points for p in parts),
                   [g.points for g in graded.values()]))
    for file_name, title, maximum, scores in series:
        figure, axes = plt.subplots(figsize=(5, 3.2))
        bins = max(1, min(20, int(maximum) or 1))
        axes.hist(scores, bins=bins, range=(0, maximum or 1), color="#4c72b0", edgecolor="white")
        axes.set_title(f"{title} (n={len(scores)})")
        axes.set_xlabel(f"points (of {maximum:g})")
        axes.set_ylabel("students")
        figure.tight_layout()
        path = directory / f"{file_name}.png"
        figure.savefig(path, dpi=80)
        plt.close(figure)
        written.append(path)
    return written


def export_all(out: Path, parts: List[Part], graded: Dict[str, Graded]) -> None:
    write_csv(out / "grades.csv", parts, graded)
    write_feedback(out / "feedback", graded)
    write_plots(out / "plots", parts, graded)
