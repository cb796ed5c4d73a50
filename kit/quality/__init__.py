"""How good is the autograder? Grade deliberate bugs (mutants) and correct rewrites (variants).

``catalogue`` loads tests/mutants/ and applies an entry to a copy of solution/; ``grading``
grades it with the public grader; ``report`` writes docs/autograder-quality.md
(``python -m kit quality-report``). tests/test_mutants.py asserts every row.
"""
