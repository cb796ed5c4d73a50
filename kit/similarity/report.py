"""``python3 -m kit similarity SUBMISSIONS --out DIR``: rank every pair of hand-ins by shared
code and write an HTML report (DIR/index.html, one page per top pair, DIR/pairs.csv).

SUBMISSIONS holds hand-in archives (.tar, .tar.gz, .tgz, .zip: extracted by
kit/intake/archive.py's rules into a temporary directory) and/or folders with mytorch/.
"""
from __future__ import annotations

import csv
import html
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from kit.intake import archive
from kit.paths import HANDOUT
from kit.similarity import fingerprints as fp

THRESHOLD = 0.5          # pairs sharing at least this fraction of fingerprints are flagged


def collect(submissions: Path, work: Path) -> Tuple[List[fp.Handin], List[str]]:
    """The hand-ins (archives extracted below ``work``) and the ones that could not be read."""
    handins, problems = [], []
    for number, path in enumerate(sorted(submissions.iterdir())):
        if path.is_dir():
            if (path / "mytorch").is_dir():
                handins.append(fp.Handin(archive.name_as_text(path.name), path))
            continue
        student_id = archive.handin_id(path.name)
        if student_id is None:
            continue
        root = work / f"{number:05d}"
        root.mkdir()
        try:
            archive.extract(path, root)
        except archive.BadArchive as error:
            problems.append(f"{archive.name_as_text(path.name)}: {error}")
            continue
        handins.append(fp.Handin(student_id, root))
    return handins, problems


def _fingerprint(job: Tuple[str, str, int, int]) -> Tuple[str, Dict[int, fp.Position]]:
    name, root, k, window = job
    return name, fp.fingerprint_tree(Path(root), k, window)


def fingerprint_all(handins: List[fp.Handin], k: int, window: int, jobs: int) -> None:
    work = [(h.name, str(h.root), k, window) for h in handins]
    if jobs > 1 and len(work) > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            found = dict(pool.imap_unordered(_fingerprint, work, chunksize=4))
    else:
        found = dict(map(_fingerprint, work))
    for h in handins:
        h.fingerprints = found[h.name]


# ------------------------------------------------------------------------------ regions
def regions(a: fp.Handin, b: fp.Handin, shared: Sequence[int]) -> List[Tuple[str, int, int, str, int, int]]:
    """Matching regions (file_a, first, last, file_b, first, last), merged from fingerprints."""
    matches = sorted((a.fingerprints[f], b.fingerprints[f]) for f in shared)
    merged: List[List] = []
    for (file_a, a0, a1), (file_b, b0, b1) in matches:
        if merged:
            last = merged[-1]
            if last[0] == file_a and last[3] == file_b and a0 <= last[2] + 2 \
                    and last[4] - 3 <= b0 <= last[5] + 2:
                last[2], last[4], last[5] = max(last[2], a1), min(last[4], b0), max(last[5], b1)
                continue
        merged.append([file_a, a0, a1, file_b, b0, b1])
    return [tuple(m) for m in merged]


def _code(root: Path, file: str, first: int, last: int) -> str:
    lines = fp.read(root / file).splitlines()
    rows = [f'<span class="n">{n:4d}</span> {html.escape(lines[n - 1])}'
            for n in range(first, min(last, len(lines)) + 1)]
    return "<pre>" + "\n".join(rows) + "</pre>"


STYLE = """<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
tr.flag td { background: #fde2e2; }
pre { margin: 0; font-size: 12px; white-space: pre; }
span.n { color: #999; }
td.code { width: 50%; }
</style>"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title>{STYLE}</head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n")


def write_pair_page(path: Path, pair: fp.Pair, a: fp.Handin, b: fp.Handin, shared: Sequence[int]) -> None:
    found = regions(a, b, shared)
    rows = []
    for file_a, a0, a1, file_b, b0, b1 in found:
        rows.append(
            f"<tr><th>{html.escape(a.name)}: {html.escape(file_a)} lines {a0}-{a1}</th>"
            f"<th>{html.escape(b.name)}: {html.escape(file_b)} lines {b0}-{b1}</th></tr>"
            f"<tr><td class='code'>{_code(a.root, file_a, a0, a1)}</td>"
            f"<td class='code'>{_code(b.root, file_b, b0, b1)}</td></tr>")
    summary = (f"<p>{pair.shared} shared fingerprints: {pair.fraction:.0%} of the smaller hand-in "
               f"({pair.size_a} and {pair.size_b} fingerprints outside the handout). "
               f"{len(found)} matching region(s). <a href='index.html'>All pairs</a></p>")
    path.write_text(_page(f"{a.name} and {b.name}", summary + "<table>" + "".join(rows)
                          + "</table>"), encoding="utf-8")


def write_report(out: Path, pairs: List[fp.Pair], handins: List[fp.Handin], kept, problems: List[str],
                 threshold: float, top: int, settings: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    by_name = {h.name: h for h in handins}
    rows = []
    for rank, pair in enumerate(pairs, start=1):
        link = ""
        if rank <= top:
            page = f"pair-{rank:04d}.html"
            write_pair_page(out / page, pair, by_name[pair.a], by_name[pair.b],
                            sorted(kept[pair.a] & kept[pair.b]))
            link = f"<a href='{page}'>regions</a>"
        if rank <= max(top, 200):
            flag = pair.fraction >= threshold
            rows.append(f"<tr class='{'flag' if flag else ''}'><td>{rank}</td>"
                        f"<td>{html.escape(pair.a)}</td><td>{html.escape(pair.b)}</td>"
                        f"<td>{pair.fraction:.0%}</td><td>{pair.shared}</td>"
                        f"<td>{pair.size_a}</td><td>{pair.size_b}</td><td>{link}</td></tr>")
    flagged = sum(p.fraction >= threshold for p in pairs)
    body = (f"<p>{len(handins)} hand-ins, {len(pairs)} pairs sharing code beyond the handout, "
            f"<b>{flagged} at or above {threshold:.0%}</b> (highlighted). {html.escape(settings)}"
            "</p><p>A high score is a reason to read both hand-ins, not a verdict.</p>")
    if problems:
        body += "<p>Not compared:</p><ul>" + "".join(
            f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>"
    body += ("<table><tr><th>rank</th><th>hand-in</th><th>hand-in</th><th>shared</th>"
             "<th>fingerprints shared</th><th>of A</th><th>of B</th><th></th></tr>"
             + "".join(rows) + "</table>")
    (out / "index.html").write_text(_page("Similarity report", body), encoding="utf-8")
    with open(out / "pairs.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "a", "b", "shared_fraction", "shared", "size_a", "size_b", "flagged"])
        for rank, p in enumerate(pairs, start=1):
            writer.writerow([rank, p.a, p.b, f"{p.fraction:.4f}", p.shared, p.size_a, p.size_b,
                             "yes" if p.fraction >= threshold else "no"])


def compare(submissions: Path, out: Path, handout: Path = HANDOUT, k: int = fp.K,
            window: int = fp.WINDOW, threshold: float = THRESHOLD, top: int = 50,
            jobs: int = 2) -> List[fp.Pair]:
    with tempfile.TemporaryDirectory(prefix="mytorch-similarity-") as work:
        handins, problems = collect(submissions, Path(work))
        fingerprint_all(handins, k, window, jobs)
        excluded = set(fp.fingerprint_tree(handout, k, window, everything=True))
        pairs, kept = fp.rank_pairs(handins, excluded)
        write_report(out, pairs, handins, kept, problems, threshold, top,
                     f"k = {k} tokens, window = {window}; handout: {handout}.")
    return pairs


def main(args) -> int:
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"error: {submissions} is not a directory", file=sys.stderr)
        return 2
    started = time.monotonic()
    threshold = THRESHOLD if args.threshold is None else args.threshold
    pairs = compare(submissions, Path(args.out), Path(args.handout) if args.handout else HANDOUT,
                    args.k or fp.K, args.window or fp.WINDOW, threshold, args.top,
                    max(1, args.jobs))
    flagged = [p for p in pairs if p.fraction >= threshold]
    print(f"{len(pairs)} pair(s) share code beyond the handout; {len(flagged)} at or above "
          f"{threshold:.0%} ({time.monotonic() - started:.1f} s).")
    for p in flagged[:10]:
        print(f"  {p.fraction:4.0%}  {p.a}  {p.b}")
    print(f"Wrote {Path(args.out) / 'index.html'}")
    return 0
