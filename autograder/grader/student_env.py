"""The environment of the student process: an allow-list, never the grader's environment.

The grader may hold an instructor's tokens, paths and settings in its environment; student
code could print them into its feedback. It gets only what running numpy needs and what
the grader sets on purpose.
"""
from __future__ import annotations

import os
import site
import tempfile
from typing import Dict

# Passed on from the grader's environment when set (PYTHONPATH: where numpy may be found).
# LD_LIBRARY_PATH: where an interpreter installed outside the system's directories finds its
# libpython (the student process runs the grader's interpreter).
PASSED = ("PATH", "PYTHONPATH", "LD_LIBRARY_PATH", "LANG", "LANGUAGE", "TZ", "SYSTEMROOT",
          "MYTORCH_MNIST",
          # Set on some processors so that older OpenBLAS builds compute correctly.
          "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
PASSED_PREFIXES = ("LC_",)
# Set for every student process: one thread per library (the grader's measurements and a
# batch's jobs assume it), no bytecode files in the hand-in, a fixed hash seed.
FIXED = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8",
         "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
         "MPLBACKEND": "Agg"}
SCRATCH = ("HOME", "TMPDIR")                     # the student process's scratch directory
CONFINED_SCRATCH = "/tmp"                        # the confinement's private tmpfs
# matplotlib's directory when confined: the confinement copies the font cache there.
CONFINED_MATPLOTLIB = "/tmp/matplotlib"
# Every variable the student process may see; LC_* besides.
ALLOWED = set(PASSED) | set(FIXED) | set(SCRATCH) | {"PYTHONUSERBASE", "MPLCONFIGDIR"}


def student_env(confined: bool) -> Dict[str, str]:
    """The student process's environment; HOME and TMPDIR are its scratch directory."""
    env = {key: value for key, value in os.environ.items()
           if key in PASSED or key.startswith(PASSED_PREFIXES)}
    env.setdefault("PATH", os.defpath)
    scratch = CONFINED_SCRATCH if confined else tempfile.gettempdir()
    env.update(FIXED)
    env.update(dict.fromkeys(SCRATCH, scratch))
    # Plotting (Part 3) reuses the font cache: building it costs a second.
    cache = matplotlib_cache()
    env["MPLCONFIGDIR"] = (CONFINED_MATPLOTLIB if confined
                           else cache if os.path.isdir(cache) else scratch)
    # Packages installed with pip --user stay where the grader finds them, whatever HOME is.
    env["PYTHONUSERBASE"] = site.getuserbase()
    return env


def matplotlib_cache() -> str:
    """Where the grader's matplotlib keeps its font cache."""
    configured = os.environ.get("MPLCONFIGDIR")
    if configured:
        return configured
    home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(home_cache, "matplotlib")
