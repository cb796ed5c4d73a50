"""What a hand-in's code may use: memory for all its processes together, room to write, and
output on the grader's terminal or log ([isolation] in autograder/rubric.toml).

Each hand-in is a ``mytorch`` whose import does the deed and then raises, reporting in the
exception's message what it managed; the check that imported it fails, nothing else.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.common.paths import WORKER_DIR
from autograder.grader import confinement
from autograder.grader.rubric import Rubric
from autograder.grader.student_errors import StudentCodeError
from autograder.grader.student_process import StudentProcess

CONFINABLE = not confinement.available(str(WORKER_DIR))
ISOLATION = Rubric().isolation
MIB = 2 ** 20

# Four children of 300 MiB each: every one within a 1024 MB address space, 1.2 GiB together.
CHILDREN = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        hold = b"1" * (300 * 2 ** 20)
        time.sleep(60)
        os._exit(0)
time.sleep(60)
raise RuntimeError("REPORT the children were never stopped")
"""
# Write files of 15 MiB (each under the 16 MiB file limit) until the writes are refused.
FILL = """
import os
written = 0
try:
    for n in range(400):
        with open(os.path.join({where!r}, f"fill{{n}}.bin"), "wb") as handle:
            handle.write(b"0" * (15 * 2 ** 20))
        written += 15 * 2 ** 20
except OSError:
    pass
raise RuntimeError(f"REPORT {{written}}")
"""
SHOUT = """
import sys
for _ in range(200):
    sys.stderr.write("\\x1b[2J" + "x" * 50_000 + "\\n")
sys.stderr.flush()
raise RuntimeError("REPORT shouted")
"""


@pytest.fixture
def handin():
    """A scratch hand-in directory; ``make(code)`` writes its mytorch/__init__.py."""
    base = Path(tempfile.mkdtemp(prefix="resources-"))
    os.chmod(base, 0o755)

    def make(code: str) -> Path:
        (base / "mytorch").mkdir()
        (base / "mytorch" / "__init__.py").write_text(code)
        return base

    yield make
    shutil.rmtree(base, ignore_errors=True)


def failure(target: Path, **run) -> str:
    with StudentProcess(target) as student:
        with pytest.raises(StudentCodeError) as raised:
            student.run("graph_structure", timeout=90, **run)
    return str(raised.value)


def reported(message: str) -> int:
    assert "REPORT " in message, message
    return int(message.split("REPORT ", 1)[1].split()[0].strip("'\""))


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_processes_share_one_memory_budget(handin, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_MEMORY_MB", "1024")
    message = failure(handin(CHILDREN))
    assert "used more than 1024 MB of memory together" in message, message
    assert "never stopped" not in message


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
@pytest.mark.parametrize("where, size", [("/dev/shm", "shm_mb"), ("/tmp", "tmp_mb")])
def test_shared_memory_and_tmp_are_private_and_bounded(handin, monkeypatch, where, size):
    monkeypatch.setenv("AUTOGRADER_FILE_MB", "16")
    written = reported(failure(handin(FILL.format(where=where))))
    assert 0 < written <= ISOLATION[size] * MIB


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_a_graded_copy_takes_the_writes_not_the_hand_in_directory(handin, monkeypatch):
    """A batch or a platform (AUTOGRADER_HANDIN=copy): writes go to a copy in memory with
    [isolation] handin_mb to spare, and the hand-in's directory on disk stays as it was."""
    monkeypatch.setenv("AUTOGRADER_FILE_MB", "16")
    monkeypatch.setenv("AUTOGRADER_HANDIN", "copy")
    target = handin(FILL.format(where="."))
    before = sorted(p.name for p in target.rglob("*"))
    written = reported(failure(target))
    assert 0 < written <= (ISOLATION["handin_mb"] + 1) * MIB
    assert sorted(p.name for p in target.rglob("*") if "__pycache__" not in p.parts) == before


@pytest.mark.skipif(not CONFINABLE, reason="no user namespaces here")
def test_grade_sh_lets_the_students_code_write_in_its_own_directory(handin, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_FILE_MB", "16")
    monkeypatch.delenv("AUTOGRADER_HANDIN", raising=False)
    target = handin(FILL.format(where=".").replace("range(400)", "range(2)"))
    assert reported(failure(target)) == 30 * MIB
    assert (target / "fill1.bin").stat().st_size == 15 * MIB


def test_live_output_is_capped(handin, capfd):
    """10 MB on stderr during a call shown live (Part 3's progress bar): at most output_kb of it
    reaches the grader's output, then one line says the rest was held back; in a log (not a
    terminal) escape sequences are shown, not obeyed."""
    message = failure(handin(SHOUT), live_output=True)
    assert "REPORT shouted" in message
    shown = capfd.readouterr().err
    allowed = ISOLATION["output_kb"] * 1024
    assert len(shown) <= allowed + 200, len(shown)
    assert shown.rstrip().endswith("[isolation] output_kb)]")
    assert "\x1b" not in shown and "\\x1b[2J" in shown        # a log shows escapes, inert
