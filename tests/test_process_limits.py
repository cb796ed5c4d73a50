"""The student process's limits are written once, in rubric.toml [limits]: every reader follows.

./grade.sh (the worker's command line), grade-batch (its options' defaults and the graders'
environment) and the platform bundles (platform_run.py) are run on a copy of the autograder
whose rubric sets other limits: a number written anywhere else would show here.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grader import process_limits
from autograder.grader.process_limits import VARIABLES, ProcessLimits
from autograder.grader.rubric import Rubric
from kit.graderfiles import copy_autograder, is_cache
from kit.paths import KIT_DIR, ROOT
from kit.textpatch import replace_once

# [limits] as the rubric has it -> other values (replace_once fails if the rubric changed).
OTHER_LIMITS = [("local = { memory_mb = 4096, file_mb = 64, max_processes = 0 }",
                 "local = { memory_mb = 4001, file_mb = 41, max_processes = 7 }"),
                ("platforms = { memory_mb = 1024, max_processes = 64 }",
                 "platforms = { memory_mb = 1001, max_processes = 61 }"),
                ("batch = { file_mb = 16 }", "batch = { file_mb = 11 }")]
EXPECTED = {"local": ProcessLimits(4001, 41, 7), "platforms": ProcessLimits(1001, 41, 61),
            "batch": ProcessLimits(1001, 11, 61)}

# Run in the copy: what each reader would give the student process, as JSON.
READERS = r"""
import json, subprocess, sys
from pathlib import Path
from autograder.grader import student_process
from kit.batch.settings import Settings
from kit.cli import build_parser
from kit.platforms import platform_run

class Started(Exception):
    pass

def capture(*args, **kwargs):
    raise Started(args[0], kwargs.get("env"))

found = {}
student_process.subprocess.Popen = capture
try:
    student_process.StudentProcess(Path(".")).start()
except Started as started:
    command = started.args[0]
    found["local"] = [int(command[command.index(option) + 1])
                      for option in ("--memory-mb", "--file-mb", "--max-processes")]
platform_run.subprocess.run = capture
platform_run.isolate = lambda target, env: ""
try:
    platform_run.run_grader(Path("."), [])
except Started as started:
    found["platforms"] = started.args[1]
found["batch"] = Settings(parts=[]).student_limits.environment()
options = build_parser().parse_args(["grade-batch", "subs", "--out", "out"])
found["options"] = [options.memory_mb, options.file_mb, options.max_processes]
print(json.dumps(found))
"""


def environment(limits: ProcessLimits) -> dict:
    return {variable: str(getattr(limits, name)) for name, variable in VARIABLES.items()}


def test_every_reader_takes_the_limits_from_the_rubric(tmp_path):
    copy_autograder(tmp_path / "autograder", hidden=False)
    shutil.copytree(KIT_DIR, tmp_path / "kit", ignore=lambda folder, names: [
        n for n in names if is_cache(Path(n))])
    rubric = tmp_path / "autograder" / "rubric.toml"
    for old, new in OTHER_LIMITS:
        replace_once(rubric, old, new)
    assert {way: process_limits.for_way(way, Rubric(rubric)) for way in EXPECTED} == EXPECTED
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES.values()}
    env.update(PYTHONPATH=str(tmp_path), AUTOGRADER_CONFINE="off")
    done = subprocess.run([sys.executable, "-c", READERS], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    local, platforms, batch = (EXPECTED[way] for way in ("local", "platforms", "batch"))
    assert found["local"] == [local.memory_mb, local.file_mb, local.max_processes]
    assert {k: found["platforms"][k] for k in VARIABLES.values()} == environment(platforms)
    assert found["batch"] == environment(batch)
    assert found["options"] == [batch.memory_mb, batch.file_mb, batch.max_processes]


def test_a_variable_set_replaces_the_local_limit(monkeypatch):
    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    assert process_limits.current() == process_limits.for_way("local")
    monkeypatch.setenv("AUTOGRADER_FILE_MB", "3")
    assert process_limits.current().file_mb == 3
    monkeypatch.setenv("AUTOGRADER_MEMORY_MB", "lots")
    with pytest.raises(ValueError, match="AUTOGRADER_MEMORY_MB='lots': expected a whole number"):
        process_limits.current()


@pytest.mark.parametrize("old, new, said", [
    ("file_mb = 64, ", "", "must set file_mb, max_processes, memory_mb"),
    ("batch = { file_mb = 16 }", "batch = { file_mb = 16, disk_mb = 9 }", "must set"),
    ("batch = { file_mb = 16 }", 'batch = { file_mb = "16" }', "each a whole number"),
    ("batch = { file_mb = 16 }", "batches = { file_mb = 16 }", "has ['batches']"),
])
def test_a_malformed_limits_table_is_named(tmp_path, old, new, said):
    path = tmp_path / "rubric.toml"
    shutil.copy(ROOT / "autograder" / "rubric.toml", path)
    replace_once(path, old, new)
    with pytest.raises(ValueError, match=re.escape(said)) as raised:
        process_limits.for_way("batch", Rubric(path))
    assert "[limits]" in str(raised.value)
