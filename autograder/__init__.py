"""The MyTorch autograder: pytest checks that compare a target's mytorch with PyTorch.

Run it with ``./grade.sh`` (or ``python -m autograder``). Three packages keep the two
processes apart: ``grader`` (pytest, PyTorch, scoring; never imports the target's code),
``worker`` (the student process: numpy and the target's mytorch) and ``common`` (what both
import). See docs/architecture.md.
"""
