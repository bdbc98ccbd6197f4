"""Exercise files and landmark files are checked fully where they are read: every number
finite and in range for what it means, every structure bounded, one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rehab.errors import StreamFileError
from rehab.exercise_library import ExerciseFileError, load_library, parse_exercise_text
from rehab.store.failures import hide_passwords
from rehab.streamfile import load_stream
from tests import fuzz_inputs as bad

SOURCE = Path("test.yaml")
GOOD = bad.GOOD_EXERCISE


def parse(text: str) -> object:
    return parse_exercise_text(text, SOURCE)


def test_the_bundled_exercises_pass_the_strict_checks() -> None:
    library = load_library()
    assert library.problems == []
    assert len(library) >= 20


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("max_deg: 30", "max_deg: .nan"), "finite"),
        (("max_deg: 30", "max_deg: -.inf"), "finite"),
        (("min_deg: 90", "min_deg: 270"), "less than or equal to 180"),
        (("max_deg: 30", "max_deg: -10"), "greater than or equal to 0"),
    ],
)
def test_zone_angles_finite_and_within_0_180(change: tuple[str, str], problem: str) -> None:
    with pytest.raises(ExerciseFileError, match=problem):
        parse(GOOD.replace(*change))


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("cutoff_hz: .inf\n", "finite"),
        ("cutoff_hz: 40\n", "less than or equal to 15"),
        ("max_gap_ms: 1e9\n", "less than or equal to 10000"),
        ("target_rom_deg: 400\n", "less than or equal to 180"),
        ("hysteresis_deg: .nan\n", "finite"),
        ("tempo: {min_concentric_s: 5, max_rep_s: 3}\n", "must be below max_rep_s"),
        ("aliases: [" + ", ".join(f"a{i}" for i in range(30)) + "]\n", "at most 20"),
        ("name2: x\n", "unknown field"),
    ],
)
def test_other_numbers_and_sizes(extra: str, problem: str) -> None:
    with pytest.raises(ExerciseFileError, match=problem):
        parse(GOOD + extra)


def test_form_rule_bounds_must_be_reachable_for_their_measure() -> None:
    rule = (
        "form_rules:\n  - id: r\n    measure: {{kind: {kind}, points: {points}{per}}}\n"
        "    allowed: {{max: {value}}}\n    cue: Keep it steady\n"
    )
    angle = rule.format(kind="joint", points="[SHOULDER, ELBOW, WRIST]", per="", value=195)
    with pytest.raises(ExerciseFileError, match="less than or equal to 180"):
        parse(GOOD + angle)
    offset = rule.format(
        kind="offset", points="[WRIST, ELBOW]", per=", axis: up, per: [SHOULDER, ELBOW]",
        value=50,
    )  # fmt: skip
    with pytest.raises(ExerciseFileError, match="can never be reached"):
        parse(GOOD + offset)
    parse(GOOD + rule.format(kind="joint", points="[SHOULDER, ELBOW, WRIST]", per="", value=170))


def test_hold_minimum_cannot_exceed_its_target() -> None:
    hold = GOOD.replace("rest: {max_deg: 30}\npeak: {min_deg: 90}\n", "")
    with pytest.raises(ExerciseFileError, match="min_s 40 is above target_s 30"):
        parse(hold + "hold: {zone: {min_deg: 10}, target_s: 30, min_s: 40}\n")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("yaml nested 100,000 deep", "nested more than 16 levels"),
        ("yaml alias expansion", "anchors and aliases"),
        ("yaml huge text", "too long for an exercise file"),
        ("yaml top-level list", "expected a mapping"),
    ],
)
def test_yaml_shapes_refused_before_parsing(name: str, problem: str) -> None:
    text = bad.YAML_CASES[name]
    assert isinstance(text, str)
    with pytest.raises(ExerciseFileError, match=problem):
        parse(text)


def test_a_deep_file_does_not_break_the_rest_of_the_library(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000, encoding="utf-8")
    library = load_library(tmp_path)
    assert list(library.exercises) == ["fuzz_curl"]
    assert len(library.problems) == 1 and "nested" in library.problems[0]


@pytest.mark.parametrize(("name", "make"), list(bad.NPZ_CASES.items()))
def test_malformed_landmark_files_are_refused(tmp_path: Path, name: str, make: object) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(StreamFileError, match=str(path.name).replace(".", r"\.")):
        load_stream(path)


def test_empty_and_random_landmark_files(tmp_path: Path) -> None:
    with pytest.raises(StreamFileError, match="empty"):
        load_stream(bad.empty(tmp_path, "e.npz"))
    with pytest.raises(StreamFileError, match="not a readable landmark file"):
        load_stream(bad.random_bytes(tmp_path, "r.npz"))


def test_a_good_landmark_file_still_loads(tmp_path: Path) -> None:
    stream = load_stream(bad.npz(tmp_path, "ok.npz", bad._meta()))
    assert len(stream) == 5
    hidden = bad.npz(tmp_path, "nan.npz", bad._meta(), visibility=np.full((5, 33), np.nan))
    assert np.isnan(load_stream(hidden).visibility).all()  # NaN means "not visible": fine


def test_passwords_are_hidden_from_database_messages() -> None:
    url = "postgresql+psycopg://clinic:Pa55word!@db.example/rehab"
    text = 'connection to "db.example" failed for clinic (password Pa55word!) at ' + url
    shown = hide_passwords(text, [url])
    assert "Pa55word" not in shown
    assert "postgresql+psycopg://clinic:***@db.example/rehab" in shown
    assert "Pa55" not in hide_passwords("mysql://u:Pa55@h/x broke", [])
