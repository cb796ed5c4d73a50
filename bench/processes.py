"""Memory of a process tree: the summed RSS of a process and all its descendants, sampled.

Used by the benchmarks that run the grader (its student process is a child, or a grandchild
behind the confinement's launcher); reads /proc, so Linux only.
"""
from __future__ import annotations

import os
import subprocess
import time


def tree_rss_mb(pid: int) -> float:
    """Summed RSS of ``pid`` and all its descendants."""
    children: dict = {}
    rss: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total / 2 ** 20


def wait_sampling_rss(process: subprocess.Popen, every: float = 0.05) -> float:
    """Wait for ``process`` to end; the peak of its tree's summed RSS (MB), sampled."""
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(every)
    return peak
