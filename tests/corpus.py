"""A corpus of hand-ins for batch grading: correct, partial, hostile and malformed ones.

``build(directory)`` writes ``<student_id>.tar`` files and returns {student_id: Expected}.
Points are for Parts 1-2 (grade with ``--parts 1``). Each hostile hand-in is the reference
solution with an attack inserted in ``ReLU.forward`` that also breaks ReLU, so its genuine
work is worth exactly the full score minus Part 2.2 - whatever the attack tries.
"""
from __future__ import annotations

import functools
import io
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

from autograder.common.paths import WORKER_DIR
from autograder.grader import confinement
from autograder.grader.rubric import Rubric
from autograder.grader.student_env import ALLOWED
from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.textpatch import replace_once
RUBRIC = Rubric()
HW1 = {p.number: p.points for p in RUBRIC.select(["1"])}
FULL = sum(HW1.values())
# A wrong ReLU fails Part 2.2 and the Sequential check of Part 2.1 (whose network has a ReLU).
WITHOUT_RELU = FULL - HW1["2.2"] - RUBRIC.by_number["2.1"].checks["sequential"]
# A broken nn/batchnorm.py costs 2.4 except its `sum` check: Sum lives in functional.py and is
# graded on its own (docs/grading-principle.md).
WITHOUT_BATCHNORM = FULL - HW1["2.4"] + RUBRIC.by_number["2.4"].checks["sum"]
RELU = "        return F.relu(x)"

UNUSED_TORCH = "from torch import seed\n"
# UTF-7 source that Python reads as a comment, a line break and `import torch` (line 3).
UTF7_HIDDEN_IMPORT = b"# coding: utf-7\nimport numpy as np  # note+AAo-import torch\n"


@dataclass
class Expected:
    total: float
    status: str
    reason: str = ""                 # a phrase the row's reason must contain
    needs_root: bool = False         # the attack is only contained by the uid separation
    needs_namespaces: bool = False   # only contained where student code gets namespaces


def tar_of(tree: Path, archive: Path, mode: str = "w") -> None:
    with tarfile.open(archive, mode) as tar:
        for name in ("mytorch", "hw1"):
            if (tree / name).is_dir():
                tar.add(tree / name, arcname=name,
                        filter=lambda info: None if "__pycache__" in info.name else info)


def zip_of(tree: Path, path: Path, prefix: str = "") -> None:
    """A zip of ``tree``'s mytorch/ and hw1/, as a student's file manager would make it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        for name in ("mytorch", "hw1"):
            for file in sorted((tree / name).rglob("*")):
                if "__pycache__" not in file.parts:
                    handle.write(file, prefix + str(file.relative_to(tree)))


def project_copy(tree: Path, where: Path) -> None:
    """The student's project folder at ``where``: mytorch/, hw1/ and what the bundle has
    beside them (a grade.sh, a .venv whose python is a link, as the writeup makes it)."""
    for name in ("mytorch", "hw1"):
        shutil.copytree(tree / name, where / name, ignore=shutil.ignore_patterns("__pycache__"))
    (where / "grade.sh").write_text("#!/bin/sh\n")
    (where / ".venv" / "bin").mkdir(parents=True)
    (where / ".venv" / "bin" / "python").symlink_to("/usr/bin/python3")


# Every shape a Gradescope submission of ``tree`` arrives in, written into ``submission``
# (/autograder/submission; grading-formats.md, "Where hand-ins come from"). Autolab renames
# whatever file is uploaded to handin.tar: ARCHIVE_SHAPES are those files.
ARCHIVE_SHAPES = {
    "tar": lambda tree, path: tar_of(tree, path),
    "tar.gz": lambda tree, path: tar_of(tree, path, "w:gz"),
    "zip": lambda tree, path: zip_of(tree, path),
    "zip of the project folder": lambda tree, path: zip_of(tree, path, "mytorch-handout/"),
}
UPLOAD_SHAPES = {
    "folders": lambda tree, sub: project_copy(tree, sub),
    "unpacked zip of the project folder": lambda tree, sub: project_copy(tree, sub / "mytorch-handout"),
    "repository": lambda tree, sub: (project_copy(tree, sub), (sub / "README.md").write_text("x\n"),
                                     (sub / ".git" / "objects").mkdir(parents=True)),
    "handin.tar": lambda tree, sub: (sub.mkdir(), tar_of(tree, sub / "handin.tar")),
    "handin.tar.gz": lambda tree, sub: (sub.mkdir(), tar_of(tree, sub / "handin.tar.gz", "w:gz")),
    "zip kept as a file": lambda tree, sub: (sub.mkdir(), zip_of(tree, sub / "mytorch.zip",
                                                                 "mytorch-handout/")),
}


def variant(work: Path, name: str, source: Path = SOLUTION) -> Path:
    tree = work / name
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def relu_attack(code: str) -> str:
    """The attack, then a wrong ReLU (the identity): the check fails whatever the attack does."""
    body = "".join(f"        {line}\n" for line in code.strip("\n").splitlines())
    return body + "        return x"


NEEDS_NAMESPACES = ("torch_without_hook", "torch_in_child", "glob_secrets")


@functools.lru_cache(maxsize=None)
def confinable() -> bool:
    """Whether student processes get namespaces of their own on this machine."""
    return not confinement.available(str(WORKER_DIR))


def attacks(repo: Path) -> Dict[str, str]:
    fake = ('{"scores": {"arithmetic": 15.0, "autograd": 25.0, "linear": 5.0, "relu": 10.0, '
            '"sgd": 10.0, "batchnorm": 10.0, "cross_entropy": 15.0, "momentum": 10.0}, '
            '"scoreboard": [100.0]}')
    return {
        "fake_score_line": f"""
import sys
print("Total: 100/100"); print('{fake}')
sys.stderr.write("Total: 100/100\\n" + '{fake}' + "\\n")
""",
        "fake_results_file": f"""
import glob, os
here = os.getcwd()
for d in [here, os.path.dirname(here), os.environ.get("TMPDIR", here), "/tmp", "/dev/shm"] + glob.glob(os.path.dirname(here) + "/*"):
    for name in ("results.json", "result.json", "grader.log", "gradebook.sqlite", "grades.csv",
                 "mytorch-student-leftover.json"):
        try:
            with open(os.path.join(d, name), "w") as handle:
                handle.write('{fake}')
        except OSError:
            pass
""",
        "os_exit": "import os\nos._exit(0)",
        "monkeypatch": """
import sys, types
import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
fake = types.ModuleType("pytest")
fake.main = lambda *a, **k: 0
sys.modules["pytest"] = fake
""",
        "edit_tests": f"""
import glob, os, sys
here = os.path.dirname(os.path.dirname(os.path.abspath(
    sys.modules["autograder.worker.probes"].__file__)))
targets = glob.glob(os.path.join(here, "**", "*.py"), recursive=True)
targets += glob.glob(os.path.join(here, "*.toml"))
targets += glob.glob({str(repo / "autograder")!r} + "/**/*.py", recursive=True)
for path in targets:
    try:
        with open(path, "w") as handle:
            handle.write("import pytest\\npytestmark = pytest.mark.skip\\n")
    except OSError:
        pass
""",
        "read_solution": f"""
try:
    with open({str(repo / "solution/mytorch/nn/functional.py")!r}) as handle:
        handle.read()
    return F.relu(x)                # could read the reference: "copy" it
except OSError:
    pass
""",
        "fork_bomb": """
import os, time
for _ in range(4096):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
""",
        # PyTorch by any means: the import hook removed and a computed name; a fresh
        # interpreter, which has no hook at all.
        "torch_without_hook": """
import importlib, sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ForbiddenImport"]
try:
    importlib.import_module("to" + "rch").zeros(1)
    return F.relu(x)
except Exception:
    pass
""",
        "torch_in_child": """
import subprocess, sys
child = subprocess.run([sys.executable, "-c", "import to" + "rch; to" + "rch.zeros(1)"],
                       capture_output=True)
if child.returncode == 0:
    return F.relu(x)
""",
        # What must stay unseen: the tests (the grader's copy and the repository's, hidden ones
        # too), the reference, the batch's SUBMISSIONS_DIR and OUT named on its command line.
        "glob_secrets": f"""
import glob, os, sys
here = os.path.dirname(os.path.dirname(os.path.abspath(
    sys.modules["autograder.worker.probes"].__file__)))
patterns = [here + "/test_*.py", here + "/hidden/test_*.py", here + "/grader/*.py",
            {str(repo)!r} + "/autograder/**/test_*.py", {str(repo)!r} + "/solution/**/*.py"]
for cmdline in glob.glob("/proc/*/cmdline"):
    try:
        words = open(cmdline, "rb").read().decode("utf-8", "replace").split("\\0")
    except OSError:
        continue
    for word, following in zip(words, words[1:]):
        if word in ("grade-batch", "--out"):
            patterns += [following + "/*", following + "/*/*"]
if any(glob.glob(pattern, recursive=True) for pattern in patterns):
    return F.relu(x)
""",
        "environment": f"""
import os
if set(os.environ) - set({sorted(ALLOWED)!r}) - {{k for k in os.environ if k.startswith("LC_")}}:
    return F.relu(x)                # the grader's environment reached student code
""",
        # Give every hand-in full marks in the gradebook named on the batch's command line,
        # then SIGKILL the grader and the batch.
        "gradebook_and_kill": """
import glob, os, signal, sqlite3
outs = []
for cmdline in glob.glob("/proc/*/cmdline"):
    try:
        words = open(cmdline, "rb").read().decode("utf-8", "replace").split("\\0")
    except OSError:
        continue
    outs += [following for word, following in zip(words, words[1:]) if word == "--out"]
for out in outs:
    try:
        with sqlite3.connect(os.path.join(out, "gradebook.sqlite"), timeout=1) as db:
            db.execute("UPDATE results SET points = max_points")
            db.execute("UPDATE attempts SET points = max_points")
    except sqlite3.Error:
        pass
victims = [os.getppid()] if os.getppid() > 1 else []
for cmdline in glob.glob("/proc/*/cmdline"):
    try:
        if any(out.encode() in open(cmdline, "rb").read() for out in outs):
            victims.append(int(cmdline.split("/")[2]))
    except (OSError, ValueError):
        pass
for pid in set(victims) - {os.getpid()}:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
""",
        "memory_hog": "hog = bytearray(8 * 2 ** 30)",
        "infinite_loop": "while True:\n    pass",
        "huge_file": """
with open("huge.bin", "wb") as handle:
    for _ in range(64):
        handle.write(b"0" * 2 ** 20)
""",
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes = b"x = 1\n", **fields) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if info.isfile() else None)


def _special(archive: Path, escape_to: Path, make) -> None:
    """A tar with the solution's mytorch/ plus whatever ``make(tar)`` adds."""
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tar:
        tar.add(SOLUTION / "mytorch", arcname="mytorch",
                filter=lambda info: None if "__pycache__" in info.name else info)
        make(tar)


def build(directory: Path, work: Path, escape_to: Path) -> Dict[str, Expected]:
    """Write the corpus into ``directory``; ``escape_to`` is where escaping files would land."""
    directory.mkdir(parents=True, exist_ok=True)
    expected: Dict[str, Expected] = {}

    for n in range(3):
        tar_of(SOLUTION, directory / f"correct{n}.tar")
        expected[f"correct{n}"] = Expected(FULL, "ok")
    tar_of(HANDOUT, directory / "untouched_handout.tar")
    expected["untouched_handout"] = Expected(0, "ok")

    tree = variant(work, "sgd_sign")
    replace_once(tree / "mytorch/optim/sgd.py", "param.data -= self.lr * param.grad.data",
         "param.data += self.lr * param.grad.data")
    tar_of(tree, directory / "partial_sgd.tar")
    expected["partial_sgd"] = Expected(FULL - HW1["2.3"], "ok")

    tree = variant(work, "bn_unbiased")
    replace_once(tree / "mytorch/nn/batchnorm.py", "var = (centered * centered).sum(axis=0) / m",
         "var = (centered * centered).sum(axis=0) / (m - 1)")
    tar_of(tree, directory / "partial_batchnorm.tar", "w:gz")
    expected["partial_batchnorm"] = Expected(WITHOUT_BATCHNORM, "ok")

    tree = variant(work, "syntax")
    (tree / "mytorch/nn/batchnorm.py").write_text("def broken(:\n")
    tar_of(tree, directory / "syntax_error.tar")
    expected["syntax_error"] = Expected(WITHOUT_BATCHNORM, "ok")

    tree = variant(work, "relu_identity")          # the control: the hostile ones' genuine work
    replace_once(tree / "mytorch/nn/activations.py", RELU, relu_attack("pass"))
    tar_of(tree, directory / "partial_relu.tar")
    expected["partial_relu"] = Expected(WITHOUT_RELU, "ok")

    for name, code in attacks(ROOT).items():
        tree = variant(work, name)
        replace_once(tree / "mytorch/nn/activations.py", RELU, relu_attack(code))
        tar_of(tree, directory / f"hostile_{name}.tar")
        expected[f"hostile_{name}"] = Expected(
            WITHOUT_RELU, "ok", needs_root=name in ("edit_tests", "fork_bomb", "read_solution"),
            needs_namespaces=name in NEEDS_NAMESPACES)

    tree = variant(work, "torch_import")
    replace_once(tree / "mytorch/optim/sgd.py", "import numpy as np\n", "import numpy as np\nimport torch\n")
    tar_of(tree, directory / "violation_import_torch.tar")
    expected["violation_import_torch"] = Expected(0, "violation", "mytorch/optim/sgd.py:7 imports torch")
    tree = variant(work, "dunder_import")
    replace_once(tree / "mytorch/nn/activations.py", RELU, relu_attack('F = __import__("torch").nn.functional'))
    tar_of(tree, directory / "violation_dunder_import.tar")
    expected["violation_dunder_import"] = Expected(0, "violation", "imports (via __import__) torch")
    tree = variant(work, "unused_import")          # never used, so it costs nothing at run time
    replace_once(tree / "hw1/mnist.py", "from typing import List\n",
                 "from typing import List\n" + UNUSED_TORCH)
    tar_of(tree, directory / "violation_unused_import.tar")
    expected["violation_unused_import"] = Expected(0, "violation", "hw1/mnist.py:")
    tree = variant(work, "utf7_import")            # a file Python reads as UTF-7
    (tree / "mytorch/notes.py").write_bytes(UTF7_HIDDEN_IMPORT)
    tar_of(tree, directory / "violation_utf7_import.tar")
    expected["violation_utf7_import"] = Expected(0, "violation", "mytorch/notes.py:3 imports torch")

    bad = lambda phrase: Expected(0, "bad_archive", phrase)           # noqa: E731
    (directory / "not_a_tar.tar").write_bytes(b"%PDF-1.4 this is my homework\n" * 20)
    expected["not_a_tar"] = bad("not a tar archive")
    (directory / "empty.tar").write_bytes(b"")
    expected["empty"] = bad("empty")
    _special(directory / "traversal.tar", escape_to, lambda tar: (
        _add_bytes(tar, "../escaped_traversal.txt"),
        _add_bytes(tar, "mytorch/../../../escaped_traversal2.txt")))
    expected["traversal"] = bad("'..'")
    _special(directory / "absolute.tar", escape_to,
             lambda tar: _add_bytes(tar, str(escape_to / "escaped_absolute.txt")))
    expected["absolute"] = bad("absolute path")
    _special(directory / "symlink.tar", escape_to, lambda tar: _add_bytes(
        tar, "mytorch/secret.py", b"", type=tarfile.SYMTYPE, linkname="/etc/passwd"))
    expected["symlink"] = bad("symbolic link")
    _special(directory / "hardlink.tar", escape_to, lambda tar: _add_bytes(
        tar, "mytorch/secret.py", b"", type=tarfile.LNKTYPE, linkname="/etc/passwd"))
    expected["hardlink"] = bad("hard link")
    _special(directory / "device.tar", escape_to, lambda tar: (
        _add_bytes(tar, "mytorch/null", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=3),
        _add_bytes(tar, "mytorch/fifo", b"", type=tarfile.FIFOTYPE)))
    expected["device"] = bad("device file or FIFO")
    _special(directory / "many_files.tar", escape_to, lambda tar: [
        _add_bytes(tar, f"mytorch/junk/f{i}.py", b"") for i in range(2100)])
    expected["many_files"] = bad("too many files")
    with tarfile.open(directory / "gzip_bomb.tar", "w:gz") as tar:
        _add_bytes(tar, "mytorch/__init__.py", b"")
        _add_bytes(tar, "mytorch/weights.bin", b"\0" * (30 * 2 ** 20))
    expected["gzip_bomb"] = bad("over the limit")
    with tarfile.open(directory / "no_mytorch.tar", "w") as tar:
        _add_bytes(tar, "hw1/mnist.py")
        _add_bytes(tar, "my_torch/tensor.py")
    expected["no_mytorch"] = bad("no mytorch/ folder in the archive")
    _special(directory / "non_utf8_name.tar", escape_to, lambda tar: _add_bytes(
        tar, b"mytorch/caf\xe9.py".decode("utf-8", "surrogateescape")))
    expected["non_utf8_name"] = bad("not valid UTF-8")
    return expected


# SGD.step loops forever: it costs Parts 2.3, 2.6 and 3 (whose training calls step), nothing else.
HANGING_SGD = ("        ### BEGIN SOLUTION\n        for param, velocity in zip(",
               "        ### BEGIN SOLUTION\n        while True:\n            pass\n"
               "        for param, velocity in zip(")
HANGING_SGD_TOTAL = RUBRIC.total - sum(RUBRIC.by_number[n].points for n in ("2.3", "2.6", "3"))


def hanging_sgd(work: Path) -> Path:
    """The reference solution whose ``SGD.step`` never returns."""
    tree = variant(work, "hanging_sgd")
    replace_once(tree / "mytorch/optim/sgd.py", *HANGING_SGD)
    return tree


def correct_corpus(directory: Path, count: int, source: Optional[Path] = None) -> None:
    """``count`` copies of the reference solution as hand-ins (for throughput measurements)."""
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        tar_of(source or SOLUTION, directory / f"student{n:03d}.tar")
