"""The instructor's hidden tests: more shapes and seeds for the same rubric checks.

Collected only with ``--hidden`` (``./grade.sh --hidden``, ``python -m kit grade-batch --hidden``).
This directory is never shipped to students: the student bundle leaves out autograder/hidden/.
A hidden test counts toward its check like any public one (all tests of a check must pass).
"""
