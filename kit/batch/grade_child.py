"""The grader process of one submission in a batch.

``kit.batch.run`` starts it through a multiprocessing fork server that has already imported
PyTorch, numpy and pytest (the costly part of starting a grader), so each submission still
gets a process of its own but not a cold start. The process
- leaves the batch's process group (the batch kills the whole group on a time-out) and makes
  itself non-dumpable, so code running under the same uid cannot read its memory or file
  descriptors through /proc; as root it enters the sandbox (kit/isolation/sandbox.py);
- imports the autograder from the submission's private copy, never the repository's;
- runs pytest on that copy; the student's code runs in worker processes started from there
  (as another uid when the batch runs as root);
- streams every test outcome to the batch over its multiprocessing pipe: the only channel the
  batch reads, which student code cannot reach. The batch validates them and scores them
  (kit/batch/scoring.py).
"""
from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any, Dict

from kit.isolation.sandbox import enter_sandbox, not_dumpable

# torch._dynamo: torch.optim imports it when an optimizer is first built (the checks of
# Parts 2.3, 2.6 and 4.1 build them), most of a second that each grader would spend again.
PRELOAD = ["numpy", "torch", "torch._dynamo", "pytest", "pytest_timeout"]


def grade(conn: Any, job: Dict[str, Any]) -> None:
    """Grade ``job['target']`` with the autograder in ``job['grader_root']``; report on ``conn``."""
    os.setsid()
    not_dumpable()
    cpu = int(job["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))    # inherited by the student workers
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.update(job["env"])

    def send(message: Dict[str, Any]) -> None:
        conn.send_bytes(json.dumps(message).encode())

    for name in [n for n in sys.modules if n == "autograder" or n.startswith("autograder.")]:
        del sys.modules[name]
    root = job["grader_root"]
    sys.path[:] = [root] + [p for p in sys.path if p not in ("", ".", os.getcwd())]
    os.chdir(root)
    try:
        if job["env"].get("AUTOGRADER_RUN_AS_UID"):
            enter_sandbox(job["hide"])
        import pytest

        import autograder
        if not os.path.realpath(autograder.__file__).startswith(os.path.realpath(root) + os.sep):
            raise RuntimeError(f"imported {autograder.__file__}, not the submission's copy")
        from autograder.grader.results import ResultCollector
        from autograder.grader.student_exit import FAULTS

        class Streaming(ResultCollector):
            """Sends the list of collected tests, then each outcome as soon as it is known, and
            each kill of the student process from outside (a GraderFault)."""
            faults_sent = 0

            def pytest_collection_modifyitems(self, items: list) -> None:
                super().pytest_collection_modifyitems(items)
                send({"collected": [[o.nodeid, o.part, o.check] for o in self.outcomes.values()]})

            def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
                outcome = self.outcomes.get(nodeid)
                if outcome is not None:
                    send({"outcome": [nodeid, outcome.part, outcome.check, outcome.passed,
                                      outcome.message[:4000], round(outcome.duration, 3)]})
                for fault in FAULTS[self.faults_sent:]:
                    send({"fault": fault[:1000]})
                self.faults_sent = len(FAULTS)

        from autograder.grader.rubric import Rubric
        collector = Streaming(Rubric())
        autograder_dir = os.path.join(root, "autograder")
        args = [autograder_dir, "-c", os.path.join(autograder_dir, "pytest.ini"),
                "--rootdir", root, "--target", job["target"], "-m", " or ".join(job["parts"]),
                "-q", "--tb=no", "-p", "no:warnings"]
        if job["hidden"]:
            args.append("--hidden")
        code = pytest.main(args, plugins=[collector])
        send({"done": int(code)})
    except BaseException as error:           # noqa: B902 - report, never hang the batch
        send({"grader_error": f"{type(error).__name__}: {error}"[:2000]})
    finally:
        conn.close()
        os._exit(0)


# The fork server imports this module first: from then on it, and every grader forked from
# it, is out of reach of same-uid code (ptrace, /proc/PID/mem), which matters without root.
not_dumpable()
