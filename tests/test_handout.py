"""handout/ is generated from solution/ by nbgrader and committed in sync."""
import subprocess
import sys

import pytest

from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.release import handout


def test_committed_handout_is_in_sync_with_solution():
    assert handout.differences(SOLUTION, HANDOUT) == []


def test_no_solution_text_leaks_into_handout():
    for path in HANDOUT.rglob("*.py"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path


def test_every_stub_names_its_function_and_part():
    stubs = [line.strip() for p in HANDOUT.rglob("*.py") for line in p.read_text().splitlines()
             if "raise NotImplementedError(" in line and "Part " in line]
    assert len(stubs) >= 20
    assert all(s.startswith('raise NotImplementedError("') and "(Part " in s for s in stubs)


def test_given_parts_stay_complete():
    functional = (HANDOUT / "mytorch/nn/functional.py").read_text()
    for given in ("class Add", "class Neg", "class Transpose", "class Reshape", "class Log",
                  "def unbroadcast"):
        start = functional.index(given)
        block = functional[start:functional.index("\nclass ", start + 1)]
        assert "NotImplementedError" not in block, given


def test_solved_functions_keep_their_solution(tmp_path):
    """generate(..., solved=...) keeps the named functions' code and stubs every other one."""
    handout.generate(SOLUTION, tmp_path, solved={"Sub.forward", "backward"})
    functional = (tmp_path / "mytorch/nn/functional.py").read_text()
    engine = (tmp_path / "mytorch/autograd_engine.py").read_text()
    assert 'raise NotImplementedError("Sub.forward' not in functional
    assert 'raise NotImplementedError("Sub.backward (Part 1.1)")' in functional
    assert 'raise NotImplementedError("backward (Part 1.2)")' not in engine
    assert 'raise NotImplementedError("Function.apply (Part 1.2)")' in engine
    assert "SOLUTION" not in functional + engine


def test_unterminated_region_is_an_error():
    with pytest.raises(handout.HandoutError, match="no end solution"):
        handout.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "f.py")


def test_region_of_unknown_function_is_an_error():
    source = handout.strip_solutions("def mystery():\n    ### BEGIN SOLUTION\n    return 1\n"
                                     "    ### END SOLUTION\n", "m.py")
    with pytest.raises(handout.HandoutError, match="mystery is not listed"):
        handout.name_stubs(source, "m.py", {})


def test_kit_command_piped_into_a_closed_reader_stops_without_a_traceback():
    """``python -m kit handout --check | head -0``: the reader is gone before the kit writes."""
    reader_gone = subprocess.run(
        f"{sys.executable} -m kit handout --check | true; echo status=${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in reader_gone.stderr and "Exception ignored" not in reader_gone.stderr
    assert reader_gone.stdout.strip() == "status=141"
