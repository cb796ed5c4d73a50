"""Memory of a process tree: the summed RSS of a process and all its descendants, sampled.

Used by the benchmarks that run the grader (its student process is a child, or a grandchild
behind the confinement's launcher); reads /proc, so Linux only.
"""
from __future__ import annotations

import os
import subprocess
import time
from typing import Dict, List, Tuple


def _processes() -> Dict[int, Tuple[int, float, float]]:
    """{pid: (parent pid, RSS in MB, CPU seconds so far)} of every process on the machine."""
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            found[int(entry)] = (int(fields[1]), int(fields[21]) * page / 2 ** 20,
                                 (int(fields[11]) + int(fields[12])) / tick)
        except (OSError, IndexError, ValueError):
            continue
    return found


def _tree(pid: int, processes: Dict[int, Tuple[int, float, float]]) -> List[int]:
    children: Dict[int, List[int]] = {}
    for child, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(child)
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack.extend(children.get(current, []))
    return [p for p in tree if p in processes]


def tree_rss_mb(pid: int) -> float:
    """Summed RSS of ``pid`` and all its descendants."""
    processes = _processes()
    return sum(processes[p][1] for p in _tree(pid, processes))


def wait_sampling_rss(process: subprocess.Popen, every: float = 0.05) -> float:
    """Wait for ``process`` to end; the peak of its tree's summed RSS (MB), sampled."""
    return wait_sampling(process, every)[0]


def wait_sampling(process: subprocess.Popen, every: float = 0.05) -> Tuple[float, float]:
    """Wait for ``process`` to end; (peak summed RSS in MB, CPU seconds) of its tree, sampled.

    The CPU seconds add up the last sample of every process seen in the tree (the student
    process's included, which the grader does not wait for when it runs confined), so they
    miss at most the last ``every`` seconds of each."""
    peak, cpu = 0.0, {}
    while process.poll() is None:
        processes = _processes()
        tree = _tree(process.pid, processes)
        peak = max(peak, sum(processes[p][1] for p in tree))
        cpu.update((p, processes[p][2]) for p in tree)
        time.sleep(every)
    return peak, sum(cpu.values())
