"""What both processes import: the wire protocol, the shared computations, data, paths, policy.

Nothing here imports PyTorch, pytest or the student's code: the student process (numpy only)
and the grader process load these same modules.
"""
