import os
import sys

from autograder.grader.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:                 # output piped into `head` and the like
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
# Everything is written and the student process is gone: exit at once. The interpreter's
# usual finalisation would tear down PyTorch's modules object by object, about a second.
sys.stderr.flush()
os._exit(code)
