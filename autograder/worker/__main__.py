"""Entry point of the student process: ``python autograder/worker --target DIR ...``.

Run by path, Python puts this directory first on ``sys.path``; it is replaced by the directory
that holds ``autograder/``, so the worker imports its modules under the same names as the
grader does, and a student's file can never shadow them.
"""
import os
import sys

sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograder.worker.main import main  # noqa: E402

main()
