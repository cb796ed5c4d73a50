"""The MyTorch autograder: pytest checks that compare a target's mytorch with PyTorch.

Run it with ``./grade.sh`` (or ``python -m autograder``). The grader never imports the
target's code in its own process: a worker process does (see student.py and worker.py).
"""
