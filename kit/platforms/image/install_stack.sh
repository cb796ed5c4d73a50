#!/usr/bin/env bash
# Install MyTorch's grading stack into its own virtual environment, as root:
#   install_stack.sh REQUIREMENTS_TXT
# Used by Gradescope's setup.sh (in the autograder zip) and by the Autolab / local grading
# image (kit/platforms/image/Dockerfile). Never installs into the system python3: Gradescope's
# harness runs on it, and Ubuntu 24.04 refuses system-wide pip (PEP 668).
#
# Python: any 3.10 to 3.13 with venv, and tarfile's "data" filter for extracting hand-ins
# (PEP 706: 3.10.12+, 3.11.4+, or a distribution's backport). The system python3 is used when
# it qualifies (Ubuntu 22.04: 3.10.12, 24.04: 3.12, Debian 12: 3.11); apt adds its venv
# module when missing (python3-venv), and python3.11 only when python3 itself is too old.
#
# Environment (all optional):
#   MYTORCH_VENV         where the environment goes (default /opt/mytorch/venv); run_autograder
#                        and the Autolab Makefile use the same default.
#   MYTORCH_PYTHON       the interpreter to build it from (must be >= 3.10)
#   MYTORCH_TORCH_INDEX  the index PyTorch comes from (default: PyTorch's CPU wheel index; set
#                        it empty to use pip's configured index)
#   MYTORCH_SETUP_DRY_RUN=1  print the pip commands instead of running them (tests)
set -euo pipefail

requirements="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
venv="${MYTORCH_VENV:-/opt/mytorch/venv}"
torch_index="${MYTORCH_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
export DEBIAN_FRONTEND=noninteractive

supported() {       # Python 3.10+ (the pins have wheels for 3.10-3.13)
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

has_venv() {        # can build a venv with pip in it (Debian/Ubuntu ship that separately)
    "$1" -c 'import venv, ensurepip' >/dev/null 2>&1
}

has_data_filter() { # extracts hand-ins with tarfile's "data" filter
    "$1" -c 'import sys, tarfile; sys.exit(not hasattr(tarfile, "data_filter"))' >/dev/null 2>&1
}

apt_install() {
    echo "install_stack.sh: apt-get install $*"
    apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
}

pick_python() {
    if [ -n "${MYTORCH_PYTHON:-}" ]; then      # chosen by hand
        supported "$MYTORCH_PYTHON" && has_venv "$MYTORCH_PYTHON" || {
            echo "install_stack.sh: $MYTORCH_PYTHON is not Python >= 3.10 with venv" >&2; exit 1; }
        has_data_filter "$MYTORCH_PYTHON" || echo "install_stack.sh: warning: $MYTORCH_PYTHON" \
            "has no tarfile data filter: hand-ins in a tar cannot be extracted" >&2
        echo "$MYTORCH_PYTHON"; return
    fi
    for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null && supported "$candidate" \
                && has_data_filter "$candidate"; then
            has_venv "$candidate" || apt_install "$candidate-venv" >&2   # python3-venv, ...
            echo "$candidate"; return
        fi
    done
    apt_install python3.11 python3.11-venv >&2        # a python3 older than 3.10.12
    supported python3.11 && has_venv python3.11 && has_data_filter python3.11 || {
        echo "install_stack.sh: no Python >= 3.10 with venv and tarfile's data filter" >&2; exit 1; }
    echo python3.11
}

python="$(pick_python)"
echo "install_stack.sh: $("$python" --version) -> $venv"
"$python" -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check)
torch_pin="$(grep -E '^torch==' "$requirements")"
# PyTorch first, from its CPU index (the default wheel drags in several GB of CUDA), then the rest
# (pip keeps the torch it has: the pin is the same).
torch_cmd=("${pip[@]}" ${torch_index:+--index-url "$torch_index"} "$torch_pin")
rest_cmd=("${pip[@]}" -r "$requirements")
if [ "${MYTORCH_SETUP_DRY_RUN:-}" = 1 ]; then
    echo "dry run: ${torch_cmd[*]}"
    echo "dry run: ${rest_cmd[*]}"
else
    "${torch_cmd[@]}"
    "${rest_cmd[@]}"
    "$venv/bin/python" -c "import numpy, torch, pytest, pytest_timeout; print('install_stack.sh: ok, torch', torch.__version__)"
fi
chmod -R a+rX "$venv"            # the unprivileged user running student code needs it too
