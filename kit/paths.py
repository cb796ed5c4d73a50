"""The repository's paths, in one place for the kit and its tests.

The autograder's own locations (ROOT, AUTOGRADER_DIR, DATA_DIR, HIDDEN_DIR, ...) come from
``autograder.common.paths``; this module adds what only the instructor's checkout has.
"""
from autograder.common.paths import AUTOGRADER_DIR, DATA_DIR, HIDDEN_DIR, ROOT

KIT_DIR = ROOT / "kit"
SOLUTION = ROOT / "solution"              # the reference solution, with BEGIN/END SOLUTION
HANDOUT = ROOT / "handout"                # generated from SOLUTION by ``python -m kit handout``
DIST = ROOT / "dist"                      # built bundles
DOCS = ROOT / "docs"
STUDENT_README = DOCS / "student-README.md"
FIGURES = DOCS / "figures"                # the writeup's images (make_figures.py draws them)
QUALITY_REPORT = DOCS / "autograder-quality.md"
MUTANT_CATALOGUE = ROOT / "tests" / "mutants"
PYPROJECT = ROOT / "pyproject.toml"
GRADE_SH = ROOT / "grade.sh"

__all__ = ["ROOT", "AUTOGRADER_DIR", "DATA_DIR", "HIDDEN_DIR", "KIT_DIR", "SOLUTION", "HANDOUT",
           "DIST", "DOCS", "STUDENT_README", "FIGURES", "QUALITY_REPORT", "MUTANT_CATALOGUE",
           "PYPROJECT", "GRADE_SH"]
