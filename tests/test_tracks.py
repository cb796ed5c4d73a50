"""Optional tracks ([tracks] in rubric.toml): a part of a track that is off is known to the
tests, the handout and the feedback, graded only when named, and never counted."""
import pytest

from autograder.common.paths import RUBRIC_FILE
from autograder.grader.rubric import Rubric

RUBRIC = Rubric()
EXTENSION = [p for p in RUBRIC.all_parts if p.track == "extension"]
PART_5 = ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9"]


def _rubric_with(tmp_path, old: str, new: str) -> Rubric:
    text = RUBRIC_FILE.read_text()
    assert text.count(old) == 1
    path = tmp_path / "rubric.toml"
    path.write_text(text.replace(old, new))
    return Rubric(path)


def test_the_extension_track_is_off_by_default_and_the_total_stays_135():
    assert RUBRIC.tracks == {"extension": False}
    assert [p.number for p in EXTENSION] == PART_5
    assert not {p.number for p in EXTENSION} & {p.number for p in RUBRIC.parts}
    assert RUBRIC.total == 135
    assert RUBRIC.select([]) == RUBRIC.parts


def test_a_track_that_is_off_is_graded_when_named():
    assert RUBRIC.select(["5"]) == EXTENSION
    assert RUBRIC.select(["dropout"]) == [RUBRIC.by_number["5.3"]]
    assert RUBRIC.select(["1.1", "5.2"]) == [RUBRIC.by_number["1.1"], RUBRIC.by_number["5.2"]]
    assert RUBRIC.function_parts()["AdamW.step"] == "5.5"       # stubs and feedback know it


def test_switching_the_track_on_counts_it(tmp_path):
    rubric = _rubric_with(tmp_path, "extension = false", "extension = true")
    assert [p.number for p in rubric.parts][-len(PART_5):] == PART_5
    assert rubric.total == 135 + sum(p.points for p in EXTENSION)
    assert rubric.select([]) == rubric.parts


def test_a_part_naming_an_unknown_track_is_refused(tmp_path):
    with pytest.raises(ValueError, match="tracks missing from \\[tracks\\]: \\['extension'\\]"):
        _rubric_with(tmp_path, "extension = false\n", "\n")
