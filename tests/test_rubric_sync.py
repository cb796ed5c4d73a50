"""The rubric is the one source of points and parts: every text that repeats them must agree.

The README's points table, the student writeup's headings, the sandbox's example labels and
the instructors' guide's batch limits are written by hand for readability; these tests fail as soon as one drifts from
autograder/rubric.toml.
"""
import re
from typing import Dict, List

from autograder.grader import process_limits
from autograder.grader.rubric import Part, Rubric
from kit.paths import ROOT, SOLUTION, STUDENT_README

RUBRIC = Rubric()
# | 1.1 | `arithmetic` | what | 5 + 5 + 5 |
TABLE_ROW = re.compile(r"^\|\s*(\d+(?:\.\d+)?)\s*\|.*\|\s*([\d.]+(?:\s*\+\s*[\d.]+)*)\s*\|\s*$")
# ## Part 1 — autograd (40 points)
SECTION = re.compile(r"^## Part (\d+)\b.*\((\d+) points\)")
# **1.1 Sub, Mul, Div (5 + 5 + 5).**
ITEM = re.compile(r"^\*\*(\d+\.\d+) [^*]*?\(([\d.]+(?:\s*\+\s*[\d.]+)*)\)\.\*\*")


def _numbers(text: str) -> List[float]:
    return [float(n) for n in text.split("+")]


def _agrees(part: Part, numbers: List[float]) -> bool:
    """The check points in rubric order, or the part's total alone."""
    return numbers == list(part.checks.values()) or numbers == [part.points]


def _table(path) -> Dict[str, List[float]]:
    rows = {}
    for line in path.read_text().splitlines():
        match = TABLE_ROW.match(line)
        if match and match.group(1) in RUBRIC.by_number:
            rows[match.group(1)] = _numbers(match.group(2))
    return rows


def test_readme_points_table_matches_the_rubric():
    rows = _table(ROOT / "README.md")
    assert set(rows) == set(RUBRIC.by_number), "README's table must list every rubric part"
    wrong = {n: pts for n, pts in rows.items() if not _agrees(RUBRIC.by_number[n], pts)}
    assert not wrong, f"README points differ from rubric.toml: {wrong}"


def test_student_writeup_points_match_the_rubric():
    text = STUDENT_README.read_text().splitlines()
    sections = {m.group(1): float(m.group(2)) for m in map(SECTION.match, text) if m}
    items = {m.group(1): _numbers(m.group(2)) for m in map(ITEM.match, text) if m}
    groups = {p.number.split(".")[0] for p in RUBRIC.all_parts}       # optional tracks too
    assert set(sections) == groups, "the writeup needs one '## Part N — ... (P points)' per group"
    for group, points in sections.items():
        expected = sum(p.points for p in RUBRIC.all_parts if p.number.split(".")[0] == group)
        assert points == expected, f"writeup: Part {group} says {points:g} points, rubric {expected:g}"
    numbered = {p.number for p in RUBRIC.all_parts if "." in p.number}
    assert set(items) == numbered, "the writeup needs one '**N.M title (points).**' per part"
    wrong = {n: pts for n, pts in items.items() if not _agrees(RUBRIC.by_number[n], pts)}
    assert not wrong, f"writeup points differ from rubric.toml: {wrong}"


def test_sandbox_examples_name_rubric_parts():
    labels = set(re.findall(r'@example\("([^"]+)"', (SOLUTION / "sandbox.py").read_text()))
    unknown = labels - set(RUBRIC.by_number) - {"mine"}
    assert not unknown, f"sandbox.py examples name parts the rubric does not have: {unknown}"


def test_groups_cover_parts_by_pattern():
    # "1" (the historical HW1) is Parts 1 and 2, worth 100; a new 2.x part would join it.
    assert [p.number for p in RUBRIC.group("1")] == [p.number for p in RUBRIC.parts
                                                   if p.number.split(".")[0] in ("1", "2")]
    assert sum(p.points for p in RUBRIC.group("1")) == 100


def test_needs_and_optional_must_name_what_the_rubric_has(tmp_path):
    import pytest
    text = (ROOT / "autograder/rubric.toml").read_text()
    for broken, said in ((text.replace('momentum = ["sgd"]', 'momentum = ["sgdd"]'), "needs"),
                         (text.replace('optional = ["LinearFunction.forward"',
                                       'optional = ["LinearFunction.fwd"'), "optional")):
        path = tmp_path / "rubric.toml"
        path.write_text(broken)
        assert broken != text
        with pytest.raises(ValueError, match=said):
            Rubric(path)


def test_instructors_guide_quotes_the_batch_limits_of_the_rubric():
    """docs/instructors.md gives grade-batch's defaults; its limits are [limits] batch."""
    text = " ".join((ROOT / "docs" / "instructors.md").read_text().split())
    quoted = dict(re.findall(r"`--(memory-mb|file-mb|max-processes) (\d+)`", text))
    batch = process_limits.for_way("batch", RUBRIC)
    assert quoted == {"memory-mb": str(batch.memory_mb), "file-mb": str(batch.file_mb),
                      "max-processes": str(batch.max_processes)}, quoted
