"""The plots of a batch (``plots/*.png``): one score distribution per part and for the total,
with statuses drawn apart from genuine zeros, and each check's pass rate (item analysis).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Sequence

from kit.gradebook import staging

if TYPE_CHECKING:
    from kit.gradebook.exports import Export

# Statuses that are not a genuine score: plotted apart from the score bars.
APART = ("missing", "bad_archive", "violation", "timeout", "grader_error")

STATUS_LABELS = {"missing": "missing", "bad_archive": "bad\narchive", "violation": "violation",
                 "timeout": "timeout", "grader_error": "grader\nerror"}
STATUS_COLOURS = {"missing": "#9e9e9e", "bad_archive": "#c44e52", "violation": "#8172b2",
                  "timeout": "#dd8452", "grader_error": "#55a868"}
SCORE_COLOUR = "#4c72b0"
MAX_BARS = 26                        # more possible scores than this: bins instead


def possible_scores(check_points: Sequence[float]) -> List[float]:
    """Every score a part can get: the sums of subsets of its checks' points."""
    sums = {0.0}
    for points in check_points:
        sums |= {s + points for s in sums}
        if len(sums) > 4 * MAX_BARS:
            break
    return sorted(sums)


def _score_bars(values: List[float], possible: List[float], maximum: float):
    """(x labels, counts, positions of values): one bar per possible score, or bins."""
    if len(possible) <= MAX_BARS:
        counts = [sum(1 for v in values if abs(v - s) < 1e-9) for s in possible]
        return [f"{s:g}" for s in possible], counts, possible
    width = next((w for w in (1, 2, 5, 10, 20, 25, 50, 100) if maximum / w <= 25),
                 max(1.0, round(maximum / 25)))
    edges = [i * width for i in range(int(maximum // width) + 1)]
    if edges[-1] < maximum:
        edges.append(maximum)
    labels, counts = [], []
    for low, high in zip(edges, edges[1:] + [None]):
        if high is None:                     # the last bar: exactly full marks
            labels.append(f"{low:g}")
            counts.append(sum(1 for v in values if v >= low - 1e-9))
            break
        labels.append(f"{low:g}-{high:g}" if high - low > 1 else f"{low:g}")
        counts.append(sum(1 for v in values if low - 1e-9 <= v < high - 1e-9))
    return labels, counts, edges


def _distribution(path: Path, title: str, maximum: float, possible: List[float],
                  scores: List[float], statuses: Dict[str, int]) -> None:
    import numpy as np
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    shown = {s: n for s, n in statuses.items() if n}
    labels, counts, positions = _score_bars(scores, possible, maximum)
    # Physical widths (inches): the status panel gets 0.75 in per status, whatever the scores.
    left_width = max(4.0, min(7.0, 0.45 * len(labels)))
    ratios = [left_width] + ([0.75 * len(shown) + 0.3] if shown else [])
    figure, axes = plt.subplots(1, len(ratios), figsize=(sum(ratios) + 1.2, 4.0), sharey=True,
                                gridspec_kw={"width_ratios": ratios, "wspace": 0.08},
                                squeeze=False)
    left = axes[0][0]
    x = np.arange(len(labels))
    left.bar(x, counts, color=SCORE_COLOUR, width=0.8)
    left.set_xticks(x, labels, rotation=0 if len(labels) <= 12 else 60,
                    fontsize=9 if len(labels) <= 12 else 7)
    left.set_xlabel(f"points (of {maximum:g})")
    left.set_ylabel("students")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_title(f"scored: {len(scores)} hand-ins", fontsize=9, loc="left")
    if scores:
        def at(value: float) -> float:      # the x position of a score on the bar axis
            if len(possible) <= MAX_BARS:
                return float(np.interp(value, possible, x))
            width = positions[1] - positions[0] if len(positions) > 1 else 1
            return value / width - 0.5 + (0.5 if value >= positions[-1] else 0)
        mean, median = float(np.mean(scores)), float(np.median(scores))
        left.axvline(at(mean), color="black", linestyle="--", linewidth=1.2,
                     label=f"mean {mean:.1f}")
        left.axvline(at(median), color="#c44e52", linestyle=":", linewidth=1.6,
                     label=f"median {median:g}")
        left.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8,
                    frameon=False, borderaxespad=0.2)
    for spine in ("top", "right"):
        left.spines[spine].set_visible(False)
    if shown:
        right = axes[0][1]
        names = list(shown)
        right.bar(range(len(names)), [shown[n] for n in names], width=0.7,
                  color=[STATUS_COLOURS[n] for n in names], hatch="//", edgecolor="white")
        right.set_xticks(range(len(names)), [STATUS_LABELS[n] for n in names], fontsize=8)
        right.set_xlim(-0.8, len(names) - 0.2)
        right.set_title("no genuine score", fontsize=9, loc="left")
        right.tick_params(axis="y", left=False)
        for spine in ("top", "right", "left"):
            right.spines[spine].set_visible(False)
        for i, n in enumerate(names):
            right.annotate(str(shown[n]), (i, shown[n]), ha="center", va="bottom", fontsize=8)
    top = max(counts + list(shown.values()) + [1])
    left.set_ylim(0, top * 1.08 + 0.5)
    figure.suptitle(title, fontsize=11)
    width = sum(ratios) + 1.2
    figure.subplots_adjust(left=0.8 / width, right=1 - 0.2 / width,
                           bottom=0.24 if len(labels) > 12 else 0.17, top=0.82)
    _save(figure, path)


def _pass_rates(path: Path, export: Export) -> None:
    from matplotlib import pyplot as plt

    rows = []
    for p in export.parts:
        for check in p.checks:
            outcomes = [c.passed for g in export.grades if g.status == "ok" and g.graded
                        for r in g.graded.parts if r.part == p.number
                        for c in r.checks if c.check == check]
            if outcomes:
                rows.append((sum(outcomes) / len(outcomes), f"{p.number} {p.name}: {check}",
                             sum(outcomes), len(outcomes)))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)    # worst at the top of the chart
    figure, axes = plt.subplots(figsize=(7.5, max(2.5, 0.32 * len(rows) + 1.3)))
    if not rows:
        axes.text(0.5, 0.5, "no check results yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        y = range(len(rows))
        rates = [100 * r[0] for r in rows]
        colours = ["#c44e52" if rate < 50 else "#dd8452" if rate < 80 else SCORE_COLOUR
                   for rate in rates]
        axes.barh(y, rates, color=colours, height=0.7)
        axes.set_yticks(y, [r[1] for r in rows], fontsize=8)
        for i, r in enumerate(rows):
            axes.annotate(f"{100 * r[0]:.0f}%  ({r[2]}/{r[3]})", (100 * r[0], i),
                          xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        axes.set_xlim(0, 118)
        axes.set_xticks([0, 20, 40, 60, 80, 100])
        axes.set_xlabel("students passing the check (%), among hand-ins graded ok")
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
    axes.set_title("Which checks fail most (item analysis)", fontsize=11)
    figure.tight_layout()
    _save(figure, path)


def _save(figure, path: Path) -> None:
    """Save a PNG beside ``path`` and publish it (kit/gradebook/staging.py)."""
    from matplotlib import pyplot as plt

    temporary = staging.temporary_beside(path)
    try:
        figure.savefig(temporary, dpi=150, format="png")
    except BaseException:
        os.unlink(temporary)
        raise
    finally:
        plt.close(figure)
    staging.publish(temporary, path)


def write_plots(directory: Path, export: Export) -> List[Path]:
    """A distribution per part and of the total (statuses apart), and the checks' pass rates."""
    import matplotlib
    matplotlib.use("Agg")

    directory.mkdir(parents=True, exist_ok=True)
    statuses = {s: sum(1 for g in export.grades if g.status == s) for s in APART}
    ok = [g for g in export.grades if g.status == "ok" and g.graded]
    written = []
    for p in export.parts:
        scores = [r.points for g in ok for r in g.graded.parts if r.part == p.number]
        path = directory / f"part_{p.number}_{p.name}.png"
        _distribution(path, f"Part {p.number} {p.title}", p.points,
                      possible_scores(list(p.checks.values())), scores, statuses)
        written.append(path)
    path = directory / "total.png"
    maximum = export.max_points
    _distribution(path, "Total (raw, before late penalties)", maximum,
                  possible_scores([c for p in export.parts for c in p.checks.values()]),
                  [g.raw for g in ok], statuses)
    written.append(path)
    path = directory / "check_pass_rates.png"
    _pass_rates(path, export)
    written.append(path)
    return written
