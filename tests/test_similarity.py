"""The similarity report: a disguised copy ranks first, independent work is not flagged."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

import corpus
import similarity_fixtures
from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.similarity import fingerprints as fp
from kit.similarity import report
from kit.similarity.tokens import normalise


def test_tokens_ignore_names_layout_and_comments():
    one = "def f(a, b):\n    # add them\n    return a + b * 2  # done\n"
    two = "def g( x,\n       y ):\n\n    return (x) + y*7\n"
    assert [t for t, _ in normalise(one)] == ["def", "I", "(", "I", ",", "I", ")", ":", "return",
                                              "I", "+", "I", "*", "N"]
    assert [t for t, _ in normalise(two)] == ["def", "I", "(", "I", ",", "I", ")", ":", "return",
                                              "(", "I", ")", "+", "I", "*", "N"]
    assert [t for t, _ in normalise("s = 'x'\nif s:\n    pass\n")] == ["I", "=", "S", "if", "I", ":", "pass"]
    assert normalise("def broken(:\n")[:2] == [("def", 1), ("I", 1)]     # keeps what it read


def test_winnowing_finds_every_long_enough_match():
    shared = "\n".join(f"v{i} = w{i} * {i} + np.sum(u{i}, axis=0)" for i in range(8))
    a = "import numpy as np\nclass A:\n    pass\n" + shared
    b = "for q in range(3):\n    print(q)\n" + shared.replace("v", "z")
    fa = fp.fingerprint_files([("a.py", a)])
    fb = fp.fingerprint_files([("b.py", b)])
    assert len(normalise(shared)) >= fp.K + fp.WINDOW - 1
    common = set(fa) & set(fb)
    assert common
    assert any(fa[h][1] >= 4 and fb[h][1] >= 3 for h in common)     # inside the shared lines
    hashes = list(range(100, 0, -1))
    assert fp.winnow(hashes, 4) == list(range(3, 100))               # each window's minimum


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    base = tmp_path_factory.mktemp("similarity")
    work, subs = base / "work", base / "subs"
    work.mkdir()
    subs.mkdir()
    corpus.tar_of(SOLUTION, subs / "reference.tar")
    corpus.tar_of(similarity_fixtures.disguised_copy(work), subs / "copier.tar.gz", "w:gz")
    corpus.tar_of(similarity_fixtures.independent(work), subs / "independent.tar")
    corpus.tar_of(HANDOUT, subs / "untouched.tar")
    (subs / "broken.tar").write_bytes(b"not an archive")
    unpacked = subs / "folder_student"                    # an unpacked hand-in is accepted too
    (unpacked / "mytorch").mkdir(parents=True)
    (unpacked / "mytorch" / "x.py").write_text("print('hello')\n")
    done = subprocess.run([sys.executable, "-m", "kit", "similarity", str(subs), "--out",
                           str(base / "report")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    with open(base / "report" / "pairs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {"base": base, "done": done, "rows": rows}


def test_the_disguised_copy_ranks_above_every_independent_pair(compared):
    rows = compared["rows"]
    first = rows[0]
    assert {first["a"], first["b"]} == {"copier", "reference"}
    assert float(first["shared_fraction"]) >= 0.8 and first["flagged"] == "yes"
    others = rows[1:]
    assert others and all(float(r["shared_fraction"]) < 0.3 for r in others), others
    assert all(r["flagged"] == "no" for r in others)
    assert "1 at or above 50%" in compared["done"].stdout


def test_independent_solutions_that_share_only_the_handout_are_not_flagged(compared):
    pair = next(r for r in compared["rows"] if {r["a"], r["b"]} == {"independent", "reference"})
    assert float(pair["shared_fraction"]) < 0.3
    assert not any("untouched" in (r["a"], r["b"]) for r in compared["rows"])   # handout only


def test_the_report_shows_matching_regions_side_by_side(compared):
    out = compared["base"] / "report"
    index = (out / "index.html").read_text()
    assert "copier" in index and "pair-0001.html" in index and "broken.tar" in index
    page = (out / "pair-0001.html").read_text()
    assert page.count("<td class='code'>") >= 20 and "matching region(s)" in page
    assert "weight_tensor" in page and "param.grad" in page                # both sides shown
    assert "&lt;" in page or "&quot;" in page or "&#x27;" in page         # code is escaped


def test_similarity_scales_with_an_inverted_index(tmp_path):
    """Pairs sharing nothing are never counted: 60 hand-ins of unrelated code."""
    handins = []
    for n in range(60):
        source = "\n".join(f"def f{n}_{i}():\n    return " + " + ".join(["x"] * (i % 7 + 1))
                           + f" * {n}" + " - y" * (n % 5 + i % 3) for i in range(n % 4 + 2))
        handins.append(fp.Handin(f"h{n}", tmp_path, fp.fingerprint_files([("a.py", source)])))
    pairs, _ = fp.rank_pairs(handins, set())
    assert len(pairs) < 60 * 59 // 2
