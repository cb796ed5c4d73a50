"""Batch grading of a folder of ``<student_id>.tar`` hand-ins (``python -m kit grade-batch``).

``run`` orchestrates the batch; ``submission`` is one hand-in's lifecycle; ``grader_process``
starts and reads the forked grader ``grade_child``; ``scoring`` turns its messages into points
with the autograder's own scoring; ``version`` decides what is already graded; ``settings``
holds the options.
"""
