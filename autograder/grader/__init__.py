"""The grader process: pytest, PyTorch (the reference), comparison, feedback and scoring.

It never imports the student's code; it asks the student process (``autograder.worker``)
to run it and compares the plain data that comes back.
"""
