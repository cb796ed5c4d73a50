"""The student process: numpy and the target's ``mytorch`` only, no PyTorch.

Started by ``autograder.grader.student_process`` as ``python autograder/worker``; it runs the
probes the grader asks for and replies with plain data (see ``autograder.common.wire``).
"""
