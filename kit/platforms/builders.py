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
import zipfile
from pathlib import Path
from typing import Dict, List

from autograder.common.compat import tomllib
from kit.graderfiles import SHARED_DIRECTORIES, copy_autograder
from kit.paths import KIT_DIR, PYPROJECT, ROOT

PLATFORM_RUN = KIT_DIR / "platforms" / "platform_run.py"
# The kit modules platform_run.py imports (standard library only), shipped under kit/.
SHIPPED_KIT = ("__init__.py", "intake/__init__.py", "intake/archive.py",
               "isolation/__init__.py", "isolation/uids.py")
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"

IMAGE_DIR = KIT_DIR / "platforms" / "image"
INSTALL_STACK = IMAGE_DIR / "install_stack.sh"      # the venv installer: setup.sh and the image
VENV = "/opt/mytorch/venv"
# Autolab's job timeout for the assessment: the grader's own deadline (AUTOGRADER_DEADLINE,
# 420 s, MNIST included) plus start-up, well under Tango's cap of just under 900 s.
AUTOLAB_TIMEOUT = 600

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, from /autograder/source, when it builds the image:
# install the pinned stack into its own virtual environment ({venv}; never the system python3
# that Gradescope's harness uses), from the system Python 3.10+ (Ubuntu 22.04 and 24.04).
# See install_stack.sh.
set -euo pipefail
cd "$(dirname "$0")"
exec bash install_stack.sh requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope copies this file to /autograder/run_autograder and runs it as root, in /autograder,
# once per submission. The grader is in $GRADESCOPE_ROOT/source (default /autograder/source);
# run from the bundle's own directory, it uses the files beside it. It grades
# $GRADESCOPE_ROOT/submission and writes $GRADESCOPE_ROOT/results/results.json, with the
# virtual environment's interpreter (setup.sh; MYTORCH_PYTHON or MYTORCH_VENV override it).
set -u
root="${{GRADESCOPE_ROOT:-/autograder}}"
source_dir="$root/source"
if [ ! -f "$source_dir/platform_run.py" ]; then
    source_dir="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
fi
python="${{MYTORCH_PYTHON:-${{MYTORCH_VENV:-{venv}}}/bin/python}}"
if [ ! -x "$python" ] && ! command -v "$python" >/dev/null; then
    mkdir -p "$root/results"
    printf '%s\\n' '{{"score": 0, "tests": [], "output": "The autograder is not set up (no Python environment); please tell the course staff."}}' \\
        > "$root/results/results.json"
    echo "run_autograder: $python not found: did setup.sh run?" >&2
    exit 1
fi
cd "$source_dir" && exec "$python" "$source_dir/platform_run.py" gradescope
"""

AUTOLAB_MAKEFILE = """# Autolab: `make` (target autograde) as the unprivileged autograde user, no network, in a
# directory holding handin.tar and autograde.tar. The last line printed is the scores JSON:
# {{"scores": {{"<part name>": points, ...}}, "scoreboard": [total, MNIST accuracy %]}}.
# The grading image (kit/platforms/image/Dockerfile) has the stack in {venv}.
PYTHON ?= $(shell test -x {venv}/bin/python && echo {venv}/bin/python || echo python3)

autograde:
\ttar xf autograde.tar
\tHOME="$(CURDIR)" MPLCONFIGDIR="$(CURDIR)/.matplotlib" $(PYTHON) mytorch-autograder/platform_run.py autolab handin.tar
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
    shutil.copy2(INSTALL_STACK, directory / "install_stack.sh")
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
        _add_file(bundle, "setup.sh", SETUP_SH.format(venv=VENV), True)
        _add_file(bundle, "run_autograder", RUN_AUTOGRADER.format(venv=VENV), True)
        _add_file(bundle, "requirements.txt", "\n".join(requirements.values()) + "\n")
    return path


def build_autolab(out: Path, hidden: bool = True) -> List[Path]:
    """out/autograde.tar (the grader under mytorch-autograder/), out/autograde-Makefile and
    out/autolab-assessment.yml (the assessment's problems, timeout and scoreboard)."""
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
    makefile.write_text(AUTOLAB_MAKEFILE.format(venv=VENV))
    settings = out / "autolab-assessment.yml"
    settings.write_text(autolab_assessment())
    return [tar_path, makefile, settings]


def autolab_assessment(name: str = "mytorch") -> str:
    """The assessment's settings in Autolab's assessment file format (YAML; written by hand,
    the standard library has no YAML writer): hand-in file, one problem per rubric part with
    its maximum, the autograder's timeout and image, and the scoreboard's columns."""
    from autograder.grader.rubric import Rubric
    rubric = Rubric()
    lines = ["# Autolab assessment settings for MyTorch (python3 -m kit autolab; docs/platforms.md).",
             "# Problem names must equal the keys of the autograder's scores line.",
             "general:", f"  name: {name}", "  display_name: MyTorch",
             "  handin_filename: handin.tar", "  handin_directory: handin",
             "  max_size: 10    # MB", "problems:"]
    for part in rubric.parts:
        lines += [f"  - name: {part.name}", f"    description: \"{part.label}\"",
                  f"    max_score: {part.points:g}", "    optional: false"]
    lines += ["autograder:", f"  autograde_timeout: {AUTOLAB_TIMEOUT}",
              "  autograde_image: mytorch-grader    # kit/platforms/image/Dockerfile",
              "  release_score: true",
              "scoreboard:", "  banner: \"Total and the MNIST accuracy the grader measured\"",
              "  colspec: '{\"scoreboard\": [{\"hdr\": \"Total\"}, "
              "{\"hdr\": \"MNIST accuracy (%)\"}]}'"]
    return "\n".join(lines) + "\n"
