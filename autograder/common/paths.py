"""Where things are, relative to this autograder (in the repository or in a bundle)."""
from pathlib import Path

AUTOGRADER_DIR = Path(__file__).resolve().parents[1]
ROOT = AUTOGRADER_DIR.parent                  # the repository, or the bundle's root
RUBRIC_FILE = AUTOGRADER_DIR / "rubric.toml"
PYTEST_INI = AUTOGRADER_DIR / "pytest.ini"
HIDDEN_DIR = AUTOGRADER_DIR / "hidden"        # the instructor's hidden tests; never shipped
WORKER_DIR = AUTOGRADER_DIR / "worker"        # run as a directory: python autograder/worker
DATA_DIR = ROOT / "data"
# What the student process reads of the autograder, relative to the directory holding it:
# the worker, the modules it shares with the grader, the hidden tests' computations, the data.
WORKER_FILES = ("autograder/__init__.py", "autograder/common", "autograder/worker",
                "autograder/hidden/__init__.py", "autograder/hidden/expressions.py", "data")
