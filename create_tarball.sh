#!/usr/bin/env bash
# Pack your work for hand-in: handin.tar holding your mytorch/ and hw1/, nothing else.
#   ./create_tarball.sh                 in the unpacked handout: packs ./mytorch and ./hw1
#   ./create_tarball.sh --target DIR    packs DIR/mytorch and DIR/hw1 instead
# At the root of the course repository the default is handout/. handin.tar is written to
# the current directory; caches (__pycache__, *.pyc, .pytest_cache, ...) are left out.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
archive="handin.tar"

usage() {
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

warn() {
    echo "warning: $*" >&2
}

target=""
while [ $# -gt 0 ]; do
    case "$1" in
        --target)
            [ $# -ge 2 ] || { echo "create_tarball.sh: --target needs a directory" >&2; exit 2; }
            target="$2"; shift 2 ;;
        --target=*) target="${1#--target=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "create_tarball.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if [ -z "$target" ]; then
    if [ -d mytorch ]; then
        target="."
    elif [ -d handout/mytorch ]; then
        target="handout"                # the repository root: the generated handout
    else
        echo "create_tarball.sh: there is no mytorch/ directory in $(pwd)." >&2
        echo "Run it from the folder that holds your mytorch/ and hw1/:" >&2
        echo "    cd \"$here\" && ./create_tarball.sh" >&2
        echo "or name that folder: ./create_tarball.sh --target DIR" >&2
        exit 1
    fi
elif [ ! -d "$target/mytorch" ]; then
    echo "create_tarball.sh: '$target' has no mytorch/ directory; --target must name the" >&2
    echo "folder that holds your mytorch/ and hw1/." >&2
    exit 1
fi

# hw1/validation_accuracy.png is packed when it is there, but not needed: the grader's own
# training run draws the plot it checks.
members=(mytorch)
if [ -d "$target/hw1" ]; then
    members+=(hw1)
else
    warn "there is no hw1/ directory in '$target': Part 3 (MNIST) will score 0."
fi

# Graded stubs still in place: raise NotImplementedError("NAME (Part X)"). The stubs of the
# optional fused Functions read "(Part X, optional)" and are not listed: a design that does
# without them never calls them.
stubs="$(cd "$target" && grep -rnE --include='*.py' --exclude-dir=__pycache__ \
    'raise NotImplementedError\("[^"]+ \(Part [0-9.]+\)"\)' "${members[@]}" || true)"
if [ -n "$stubs" ]; then
    count="$(printf '%s\n' "$stubs" | wc -l | tr -d ' ')"
    warn "$count function(s) still raise the handout's NotImplementedError stub; they score 0:"
    printf '%s\n' "$stubs" \
        | sed -E 's/^([^:]+):([0-9]+):.*NotImplementedError\("(.+) \(Part ([0-9.]+)\)"\).*$/\4 \3/' \
        | sort -t' ' -k1,1 -s \
        | awk '$1 != part { if (line != "") print line; part = $1; line = "    Part " $1 ": " $2
                            seen[$1 " " $2] = 1; next }
               seen[$1 " " $2]++ { next }
               length(line) + length($2) > 88 { print line ","; line = "        " $2; next }
               { line = line ", " $2 }
               END { if (line != "") print line }' >&2
fi

# Forbidden imports, found by the grader's own scan (autograder/grader/import_scan.py).
python="${PYTHON:-python3}"
forbidden="$(PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" \
    "$python" -m autograder.grader.import_scan "$target" 2>/dev/null || true)"
if [ -n "$forbidden" ]; then
    warn "forbidden imports (numpy and the standard library only); even unused, they cost points:"
    printf '%s\n' "$forbidden" | sed 's/^/    /' >&2
fi

# COPYFILE_DISABLE: no macOS "._" resource files in the archive.
COPYFILE_DISABLE=1 tar -cf "$archive" \
    --exclude='__pycache__' --exclude='*.pyc' --exclude='.pytest_cache' \
    --exclude='.ipynb_checkpoints' --exclude='.DS_Store' \
    -C "$target" "${members[@]}"

echo "$archive contains:"
tar -tf "$archive" | sort | sed 's/^/    /'
files="$(tar -tf "$archive" | grep -vc '/$' || true)"
echo "Wrote $(pwd)/$archive ($files files from $(cd "$target" && pwd)). Hand in this file."
