"""pytest set-up for the autograder: the target option, part markers, shared fixtures."""
from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograder.common.paths import HIDDEN_DIR
from autograder.grader import budget
from autograder.grader.results import part_and_check
from autograder.grader.rubric import Rubric
from autograder.grader.cli import default_target
from autograder.grader.student_process import StudentProcess

RUBRIC = Rubric()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--target", default=os.environ.get("MYTORCH_TARGET"),
                     help="directory holding the mytorch/ (and hw1/) to grade "
                          "(default: the handout, or this bundle's own mytorch/)")
    parser.addoption("--hidden", action="store_true",
                     default=os.environ.get("AUTOGRADER_HIDDEN") == "1",
                     help="also run the instructor's hidden tests in autograder/hidden/")


def pytest_configure(config: pytest.Config) -> None:
    for part in RUBRIC.all_parts:
        config.addinivalue_line("markers", f"{part.name}: Part {part.number} {part.title}")
    config.addinivalue_line("markers", "check(name): the rubric check a test counts for")


# Part 3's training run first: the student process then holds the MNIST data (about 220 MB)
# while the grader is at its smallest, so that the two stay inside the platforms' 768 MB.
RUN_FIRST = "mnist"


# Seconds of student code each test may use (rubric.toml [time]); its pytest timeout follows.
STUDENT_SECONDS: dict = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    times = budget.TimeLimits.from_rubric(RUBRIC.time)
    for item in items:
        part, _ = part_and_check(item, RUBRIC)    # a test outside the rubric is a grader bug
        STUDENT_SECONDS[item.nodeid] = times.student_seconds(part.name)
        item.add_marker(pytest.mark.timeout(times.test_timeout(part.name)))
    items.sort(key=lambda item: item.get_closest_marker(RUN_FIRST) is None)   # stable


# AUTOGRADER_DEADLINE: one deadline for the run, shared out over the checks (budget.py).
CHECK_OF: dict = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    forget_hidden_tests()
    seconds = budget.deadline_from_environment()
    if seconds is None:
        return
    for item in session.items:
        part, check = part_and_check(item, RUBRIC)
        CHECK_OF[item.nodeid] = (part.number, check)
    names = {p.number: p.name for p in RUBRIC.all_parts}
    configured = RUBRIC.platforms.get("time_weights", {})
    budget.ACTIVE = budget.Budget(seconds, budget.weights_for(set(CHECK_OF.values()), names,
                                                              configured))
    budget.ACTIVE.add_tests(CHECK_OF.values())


def forget_hidden_tests() -> None:
    """Under AUTOGRADER_FORGET_HIDDEN=1, delete the hidden tests' files once collected, before
    any student code runs: for a platform's disposable copy of the grader whose student code
    runs as the grader's own user (Autolab), which could otherwise read them. What the worker
    computes for them (hidden/expressions.py) stays: the student process runs it."""
    if os.environ.get("AUTOGRADER_FORGET_HIDDEN") != "1":
        return
    for path in [*HIDDEN_DIR.glob("test_*.py"), *HIDDEN_DIR.glob("__pycache__/test_*")]:
        path.unlink(missing_ok=True)


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    budget.start_test(STUDENT_SECONDS.get(nodeid))
    if budget.ACTIVE is not None:
        budget.ACTIVE.current = CHECK_OF.get(nodeid)


def pytest_runtest_logfinish(nodeid: str, location: tuple) -> None:
    budget.start_test(None)
    if budget.ACTIVE is not None and nodeid in CHECK_OF:
        budget.ACTIVE.finished(CHECK_OF[nodeid])


def _target(config: pytest.Config) -> Path:
    return Path(config.getoption("--target") or default_target()).resolve()


# The student process, started with the session (before the test modules import PyTorch):
# the two start-ups then run side by side.
STARTED: dict = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    target = _target(session.config)
    if not (target / "mytorch").is_dir():
        return
    process = StudentProcess(target, RUBRIC.function_parts())
    try:
        process.start()
    except Exception:   # noqa: BLE001 - the first call starts it again and reports the error
        process.close()
        return
    STARTED[target] = process


def pytest_sessionfinish(session: pytest.Session) -> None:
    for process in STARTED.values():          # started, but no test used it
        process.close()
    STARTED.clear()


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Path:
    return _target(request.config)


@pytest.fixture(scope="session")
def student(target: Path):
    """The process running the target's code (restarted automatically after a failure)."""
    with STARTED.pop(target, None) or StudentProcess(target, RUBRIC.function_parts()) as process:
        yield process


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A generator seeded by the test's id: the same inputs on every run and machine."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))




def pytest_ignore_collect(collection_path: Path, config: pytest.Config):
    """autograder/hidden/ (the instructor's extra cases) is collected only with --hidden."""
    if collection_path == HIDDEN_DIR and not config.getoption("--hidden"):
        return True
    return None
