"""Autograder bundles for the course platforms: Gradescope's zip and Autolab's tar + Makefile.

Both carry the autograder (with the hidden tests unless told otherwise), its data/, and
``platform_run.py`` (kit/platforms/platform_run.py), which grades one hand-in and writes the
platform's format, beside the kit modules it imports (SHIPPED_KIT: safe extraction, uid
probing). Each platform runs one container per submission.
"""
from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Dict, List

from kit.graderfiles import SHARED_DIRECTORIES, copy_autograder
from kit.paths import KIT_DIR, PYPROJECT, ROOT

PLATFORM_RUN = KIT_DIR / "platforms" / "platform_run.py"
# The kit modules platform_run.py imports (standard library only), shipped under kit/.
SHIPPED_KIT = ("__init__.py", "intake/__init__.py", "intake/archive.py",
               "isolation/__init__.py", "isolation/uids.py")
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: install the pinned stack.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-pip
fi
# PyTorch from its CPU index first (the default wheel drags in CUDA), then the rest.
python3 -m pip install --index-url {torch_index} "{torch}"
python3 -m pip install -r requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission: grade $GRADESCOPE_ROOT/submission (default
# /autograder) and write $GRADESCOPE_ROOT/results/results.json.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "${PYTHON:-python3}" "$here/platform_run.py" gradescope
"""

AUTOLAB_MAKEFILE = """# Autolab: `make` (target autograde) in a directory holding handin.tar and autograde.tar.
# The last line printed is the scores JSON: {"scores": {"<part name>": points, ...}}.
PYTHON ?= python3

autograde:
\ttar xf autograde.tar
\t$(PYTHON) mytorch-autograder/platform_run.py autolab handin.tar
"""


def pinned_requirements() -> Dict[str, str]:
    """{distribution: 'name==version'} from pyproject.toml's dependencies."""
    with open(PYPROJECT, "rb") as handle:
        project = tomllib.load(handle)["project"]
    return {spec.split("==")[0].strip().lower(): spec for spec in project["dependencies"]}


def _stage(directory: Path, hidden: bool) -> None:
    """The files common to both bundles."""
    copy_autograder(directory / "autograder", hidden)
    for name in SHARED_DIRECTORIES:                  # data/mnist.npz beside autograder/
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, directory / name)
    shutil.copy2(PLATFORM_RUN, directory / "platform_run.py")
    for name in SHIPPED_KIT:
        (directory / "kit" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(KIT_DIR / name, directory / "kit" / name)


def _add_file(bundle: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o755 if executable else 0o644) << 16
    bundle.writestr(info, text)


def build_gradescope(out: Path, hidden: bool = True) -> Path:
    """out/autograder.zip: setup.sh, run_autograder, requirements.txt and the grader at the root."""
    out.mkdir(parents=True, exist_ok=True)
    requirements = pinned_requirements()
    path = out / "autograder.zip"
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path, "w",
                                                               zipfile.ZIP_DEFLATED) as bundle:
        _stage(Path(tmp), hidden)
        for file in sorted(Path(tmp).rglob("*")):
            if file.is_file():
                bundle.write(file, file.relative_to(tmp).as_posix())
        _add_file(bundle, "setup.sh", SETUP_SH.format(torch_index=TORCH_INDEX,
                                                      torch=requirements["torch"]), True)
        _add_file(bundle, "run_autograder", RUN_AUTOGRADER, True)
        _add_file(bundle, "requirements.txt", "\n".join(requirements.values()) + "\n")
    return path


def build_autolab(out: Path, hidden: bool = True) -> List[Path]:
    """out/autograde.tar (the grader under mytorch-autograder/) and out/autograde-Makefile."""
    out.mkdir(parents=True, exist_ok=True)
    tar_path, makefile = out / "autograde.tar", out / "autograde-Makefile"
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "mytorch-autograder"
        _stage(staged, hidden)
        with tarfile.open(tar_path, "w") as tar:
            tar.add(staged, arcname=staged.name)
            requirements = "\n".join(pinned_requirements().values()) + "\n"
            info = tarfile.TarInfo(f"{staged.name}/requirements.txt")
            info.size = len(requirements.encode())
            tar.addfile(info, io.BytesIO(requirements.encode()))
    makefile.write_text(AUTOLAB_MAKEFILE)
    return [tar_path, makefile]
