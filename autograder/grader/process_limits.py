"""The student process's memory, file-size and process limits: ``[limits]`` in the rubric.

Each way of grading has its own (``WAYS``, each the one before it with the values it sets):
``local`` for ./grade.sh on a student's own machine, ``platforms`` for Gradescope and Autolab,
``batch`` for grade-batch. The grader takes them from the environment (``VARIABLES``), which
a batch and the platform bundles set; where a variable is unset, the local limit holds.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, fields
from typing import Dict, Optional

from autograder.grader.rubric import Rubric

WAYS = ("local", "platforms", "batch")
VARIABLES = {"memory_mb": "AUTOGRADER_MEMORY_MB", "file_mb": "AUTOGRADER_FILE_MB",
             "max_processes": "AUTOGRADER_MAX_PROCESSES"}


@dataclass(frozen=True)
class ProcessLimits:
    memory_mb: int          # MB: each process's address space; in namespaces, all together
    file_mb: int            # MB: the largest file it may write
    max_processes: int      # processes of its user; 0: no limit

    def environment(self) -> Dict[str, str]:
        """The variables that give these limits to a grader (``VARIABLES``)."""
        return {variable: str(getattr(self, name)) for name, variable in VARIABLES.items()}


def for_way(way: str, rubric: Optional[Rubric] = None) -> ProcessLimits:
    """The limits of ``way`` (one of ``WAYS``) as ``rubric`` (the repository's) sets them;
    a ValueError naming the table when a way before it, or it, is incomplete."""
    rubric = rubric or Rubric()
    table = rubric.limits
    unknown = sorted(set(table) - set(WAYS))
    if unknown:
        raise ValueError(f"{rubric.path}: [limits] has {unknown}: expected {', '.join(WAYS)}")
    names = sorted(f.name for f in fields(ProcessLimits))
    values: Dict[str, int] = {}
    for step in WAYS[:WAYS.index(way) + 1]:
        values.update(table.get(step, {}))
        if sorted(values) != names or not all(type(v) is int for v in values.values()):
            raise ValueError(f"{rubric.path}: [limits] {step} (with the ways before it) must "
                             f"set {', '.join(names)}, each a whole number; it sets {values}")
    return ProcessLimits(**values)


@functools.lru_cache(maxsize=None)
def _local() -> ProcessLimits:
    return for_way("local")


def current() -> ProcessLimits:
    """This grader's limits: each from its variable when set, else the local one."""
    values = {}
    for name, variable in VARIABLES.items():
        value = os.environ.get(variable)
        try:
            values[name] = getattr(_local(), name) if value is None else int(value)
        except ValueError:
            raise ValueError(f"{variable}={value!r}: expected a whole number") from None
    return ProcessLimits(**values)
