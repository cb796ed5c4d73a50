#!/usr/bin/env bash
# Grade a MyTorch implementation against PyTorch.
#   ./grade.sh                    every part, on handout/ (or on this bundle's own mytorch/)
#   ./grade.sh 1.1 linear         some parts, by number or name; ./grade.sh 1 = Parts 1-2
#   ./grade.sh --target solution  another directory holding mytorch/
#   ./grade.sh --json results.json -v
# The last line printed is the Autolab scores JSON. ./grade.sh --help lists everything.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
# Finding the packages is enough here (importing torch twice would cost a second).
if ! "$python" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in
    ('numpy', 'pytest', 'pytest_timeout', 'torch')))" >/dev/null 2>&1; then
    echo "grade.sh: the grader needs numpy, pytest, pytest-timeout and torch in '$python'." >&2
    echo "Install them first: $python -m pip install -r requirements.txt (see README.md)," >&2
    echo "then run ./grade.sh again." >&2
    exit 1
fi
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m autograder "$@"
