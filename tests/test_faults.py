"""Grading under faults: hangs, interruptions and outside kills cost the student nothing more
than the checks their code failed, and a batch's uids are its own.

The two-batches run (slow) grades the hanging-SGD hand-in while another batch grades it too.
"""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import corpus
from autograder.grader import budget, student_exit
from autograder.grader.rubric import Rubric
from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_exit import GraderFault
from autograder.grader.student_process import StudentProcess
from kit.batch import scoring
from kit.batch.settings import Settings
from kit.batch.submission import Submission
from kit.gradebook.records import Graded
from kit.isolation import uids
from kit.paths import ROOT
from kit.textpatch import replace_once

RUBRIC = Rubric()
SUB = {"name": "sub", "inputs": [np.ones((2, 2)), np.ones((2, 2))], "requires_grad": [True, True],
       "upstream": None, "numbers_may_be_rejected": False}
SGD_STEPS = {"kind": "sgd", "params": [np.ones(2)], "grads": [[np.ones(2)]], "options": {"lr": 0.1}}


class Interrupted(Exception):
    """As pytest-timeout's failure, raised in the grader while it waits for the student."""


def test_an_interrupted_call_leaves_no_busy_process_for_the_next(tmp_path):
    def interrupt(signum, frame):
        raise Interrupted()
    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with StudentProcess(corpus.hanging_sgd(tmp_path)) as student:
            threading.Timer(1.0, signal.pthread_kill,
                            (threading.main_thread().ident, signal.SIGUSR1)).start()
            with pytest.raises(Interrupted):
                student.run("optimizer_steps", timeout=60, **SGD_STEPS)
            started = time.monotonic()
            # A process still in the endless SGD.step would not answer within the 10 s.
            got = student.run("expression", timeout=10, **SUB)
            assert np.array_equal(got["out"], np.zeros((2, 2)))
            assert time.monotonic() - started < 5
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_a_hang_or_an_exit_fails_that_call_only(tmp_path):
    with StudentProcess(corpus.hanging_sgd(tmp_path)) as student:
        with pytest.raises(StudentCodeError, match="did not finish within 1 s"):
            student.run("optimizer_steps", timeout=1, **SGD_STEPS)
        assert np.array_equal(student.run("expression", timeout=10, **SUB)["out"], np.zeros((2, 2)))
    target = corpus.variant(tmp_path, "exits")
    exits = corpus.HANGING_SGD[0].replace("for param", "import os; os._exit(0)\n        for param")
    replace_once(target / "mytorch/optim/sgd.py", corpus.HANGING_SGD[0], exits)
    with StudentProcess(target) as student:
        with pytest.raises(StudentCodeError, match="exit code 0") as stopped:
            student.run("optimizer_steps", timeout=10, **SGD_STEPS)
        assert not isinstance(stopped.value, GraderFault)
        assert np.array_equal(student.run("expression", timeout=10, **SUB)["out"], np.zeros((2, 2)))


def test_a_kill_from_outside_is_a_grader_fault_and_the_next_call_is_served(tmp_path):
    faults = len(student_exit.FAULTS)
    with StudentProcess(corpus.hanging_sgd(tmp_path)) as student:
        student.run("expression", timeout=10, **SUB)
        killer = threading.Timer(0.5, os.kill, (student.process.pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(GraderFault, match="killed from outside .*SIGKILL"):
            student.run("optimizer_steps", timeout=20, **SGD_STEPS)
        assert len(student_exit.FAULTS) == faults + 1
        assert np.array_equal(student.run("expression", timeout=10, **SUB)["out"], np.zeros((2, 2)))


def test_a_process_that_dies_before_running_student_code_is_a_grader_fault(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_MEMORY_MB", "40")        # too little to import numpy
    with StudentProcess(corpus.SOLUTION) as student:
        with pytest.raises(GraderFault, match="ended before running any of it"):
            student.run("expression", timeout=20, **SUB)


def test_a_tests_calls_share_its_seconds_and_its_timeout_is_longer(monkeypatch):
    times = budget.TimeLimits.from_rubric(RUBRIC.time, {})
    for part in RUBRIC.parts:
        assert times.test_timeout(part.name) > times.student_seconds(part.name)
    assert times.student_seconds("mnist") > times.student_seconds("relu") == RUBRIC.time["call"]
    faster = budget.TimeLimits.from_rubric(RUBRIC.time, {"AUTOGRADER_CALL_TIMEOUT": "3"})
    assert (faster.student_seconds("relu"), faster.student_seconds("mnist")) == \
        (3, times.student_seconds("mnist"))
    clock = [100.0]
    monkeypatch.setattr(budget.time, "monotonic", lambda: clock[0])
    budget.start_test(30)
    try:
        clock[0] += 25                                 # a first call used 25 s
        assert budget.limit() == 5 and budget.limit(2) == 2 and budget.limit(60) == 5
        clock[0] += 10
        assert budget.limit() == 0
    finally:
        budget.start_test(None)
    with pytest.raises(ValueError):
        budget.limit()


def test_two_leases_never_share_a_uid(tmp_path):
    first = uids.lease_uids(70000, 2, tmp_path)
    second = uids.lease_uids(70000, 2, tmp_path)
    assert [lease.uid for lease in first] == [70000, 70001]
    assert [lease.uid for lease in second] == [70002, 70003]
    first[0].release()
    assert uids.try_lease(70000, tmp_path) is not None
    assert uids.try_lease(70001, tmp_path) is None
    with pytest.raises(RuntimeError, match="released"):
        uids.kill_leftovers(first[0])


def test_the_lease_of_a_killed_batch_is_free_again(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import pathlib, time; from kit.isolation import uids; "
         f"lease = uids.lease_uids(70000, 1, pathlib.Path({str(tmp_path)!r})); "
         "print(lease[0].uid, flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "70000"
        assert uids.try_lease(70000, tmp_path) is None
    finally:
        holder.kill()
        holder.wait()
    assert uids.try_lease(70000, tmp_path) is not None


def test_a_fault_reported_by_the_grader_is_a_grader_error_never_ok():
    parts = RUBRIC.select(["2.3"])
    nodeid = "autograder/test_2_3_sgd.py::test_sgd[0.1]"
    messages = [{"collected": [[nodeid, "2.3", "sgd"]]},
                {"outcome": [nodeid, "2.3", "sgd", False, "killed", 1.0]},
                {"fault": "The process running your code was killed from outside"}, {"done": 1}]
    status, reason, results = scoring.score(messages, parts, False, 60)
    assert status == "grader_error" and "reason outside the student's code" in reason
    status, _, _ = scoring.score([m for m in messages if "fault" not in m], parts, False, 60)
    assert status == "ok"


def test_a_grader_error_is_graded_once_more_and_recorded_only_twice(tmp_path, monkeypatch):
    submission = Submission(tmp_path / "ann.tar", Settings(parts=RUBRIC.select(["2.3"])), "v")
    for statuses, recorded in ((["grader_error", "ok"], "ok"), (["ok"], "ok"),
                               (["grader_error", "grader_error"], "grader_error")):
        attempts = iter(statuses)
        calls = []

        def attempt(lease, context, started):
            calls.append(1)
            return Graded("ann", "", "v", next(attempts), "the grader did not finish")
        monkeypatch.setattr(submission, "_attempt", attempt)
        graded = submission.grade(None, None)
        assert (graded.status, len(calls)) == (recorded, len(statuses))
    assert graded.reason == "twice in a row: the grader did not finish"


def test_a_submission_timeout_scores_the_parts_that_finished():
    parts = RUBRIC.select(["2.2", "2.3"])
    relu, sgd = "autograder/test_2_2_relu.py::test_relu", "autograder/test_2_3_sgd.py::test_sgd"
    at_zero = "autograder/test_2_2_relu.py::test_relu_derivative_at_zero"
    messages = [{"collected": [[relu, "2.2", "relu"], [at_zero, "2.2", "at_zero"],
                               [sgd, "2.3", "sgd"]]},
                {"outcome": [relu, "2.2", "relu", True, "", 0.1]},
                {"outcome": [at_zero, "2.2", "at_zero", True, "", 0.1]}]
    status, reason, results = scoring.score(messages, parts, True, 45)
    assert status == "timeout" and "45 s" in reason
    assert [r.points for r in results] == [10, 0]
    assert "ran out of time (45 s)" in results[1].feedback


@pytest.mark.slow
def test_a_batch_regrades_a_kill_from_outside_once_then_records_a_grader_error(tmp_path):
    """The student's code kills its own process by SIGKILL: to the grader that is a kill from
    outside (no limit of its own sends it), so the row is a grader_error for the staff."""
    tree = corpus.variant(tmp_path, "sigkill")
    replace_once(tree / "mytorch/optim/sgd.py", corpus.HANGING_SGD[0], corpus.HANGING_SGD[0]
                 .replace("for param", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
                          "\n        for param"))
    submissions = tmp_path / "subs"
    submissions.mkdir()
    corpus.tar_of(tree, submissions / "sigkill.tar")
    done = subprocess.run([sys.executable, "-m", "kit", "grade-batch", str(submissions), "--out",
                           str(tmp_path / "out"), "--parts", "2.3", "--uid-base", "64600",
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["grading_status"] == "grader_error"
    assert row["reason"].startswith("twice in a row: the student process failed for a reason "
                                    "outside the student's code")
    assert "killed from outside (killed by signal SIGKILL)" in row["reason"]


@pytest.mark.slow
def test_two_batches_at_once_give_the_hanging_sgd_hand_in_the_same_score(tmp_path):
    submissions = tmp_path / "subs"
    submissions.mkdir()
    corpus.tar_of(corpus.hanging_sgd(tmp_path), submissions / "hanging_sgd.tar")
    corpus.tar_of(corpus.SOLUTION, submissions / "correct.tar")

    def batch(out: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "kit", "grade-batch", str(submissions),
                               "--out", str(tmp_path / out), "--jobs", "2", "--timeout", "300",
                               "--uid-base", "64600", "--no-progress"],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        with open(tmp_path / out / "grades.csv", newline="") as handle:
            return {row["student_id"]: (float(row["total"]), row["grading_status"])
                    for row in csv.DictReader(handle)}

    with ThreadPoolExecutor(2) as pool:
        rows = list(pool.map(batch, ["first", "second"]))
    expected = {"hanging_sgd": (corpus.HANGING_SGD_TOTAL, "ok"), "correct": (RUBRIC.total, "ok")}
    assert rows == [expected, expected]


def test_a_grader_module_that_fails_to_import_is_the_graders_fault_not_the_students():
    """A worker module missing a name (a grader bug) was once shown as "Your code could not be
    imported"; only an import of the student's package is the student's to fix."""
    from autograder.grader.student_errors import from_reply
    from autograder.grader.student_exit import GraderFault
    ours = from_reply({"type": "ImportError", "message": "cannot import name 'X'",
                       "location": None, "module": "autograder.worker.mnist_harness"}, {})
    assert isinstance(ours, GraderFault) and "not of your code" in str(ours)
    theirs = from_reply({"type": "ImportError", "message": "cannot import name 'Linear'",
                         "location": None, "module": "mytorch.nn.linear"}, {})
    assert not isinstance(theirs, GraderFault)
    assert str(theirs).startswith("Your code could not be imported")
    misspelt = from_reply({"type": "NameError", "message": "name '_set' is not defined",
                           "location": None, "module": None}, {})
    assert isinstance(misspelt, GraderFault)
    in_theirs = from_reply({"type": "NameError", "message": "name 'x' is not defined",
                            "location": {"file": "mytorch/tensor.py", "line": 3,
                                         "function": "Tensor.f", "code": ""}, "module": None}, {})
    assert not isinstance(in_theirs, GraderFault)
