"""Exercise YAML: the bundled library, and errors that name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehab.core.exercise import Exercise, SideMode, check_joint_name, resolve_joint
from rehab.core.landmarks import Joint
from rehab.core.results import Side
from rehab.exercise_library import (
    DEFAULT_DIR,
    ExerciseFileError,
    UnknownExerciseError,
    load_exercise_file,
    load_library,
)

REQUIRED_IDS = {
    "squat", "sit_to_stand", "mini_squat", "lunge", "push_up", "wall_push_up", "biceps_curl",
    "elbow_flexion", "shoulder_abduction", "shoulder_flexion", "shoulder_press",
    "jumping_jacks", "glute_bridge", "straight_leg_raise", "hip_abduction", "knee_extension",
    "heel_raise", "wall_sit", "plank", "single_leg_stance",
}  # fmt: skip

GOOD = """\
schema_version: 1
id: test_raise
name: Test raise
description: A raise.
instructions: [Lift the arm.]
body_region: shoulder
camera_views: [front]
sides: both
angle:
  kind: joint
  points: [HIP, SHOULDER, ELBOW]
rest: {max_deg: 40}
peak: {min_deg: 80}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_library_loads_cleanly_with_every_required_exercise() -> None:
    library = load_library()
    assert library.problems == []
    assert len(library) >= 20
    assert set(library.exercises) >= REQUIRED_IDS
    regions = {e.body_region.value for e in library.exercises.values()}
    assert {"shoulder", "elbow", "hip", "knee", "ankle", "trunk", "whole_body"} <= regions
    for hold in ("wall_sit", "plank", "single_leg_stance"):
        assert library.get(hold).is_hold
    assert library.get("lateral_raise").id == "shoulder_abduction"
    assert library.get("Front_Raise").id == "shoulder_flexion"
    for exercise in library.exercises.values():
        assert len(exercise.instructions) >= 3, exercise.id
        assert library.sources[exercise.id].stem == exercise.id


def test_zones_give_direction_and_edges() -> None:
    library = load_library()
    abduction = library.get("shoulder_abduction")
    assert abduction.direction() == 1
    assert (abduction.rest_edge_deg(), abduction.peak_edge_deg()) == (45, 70)
    sts = library.get("sit_to_stand")
    assert sts.direction() == -1 and sts.peak_edge_deg() < sts.rest_edge_deg()


def test_unknown_joint_names_file_line_field_and_suggests(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "shoulder.yaml",
        GOOD.replace("[HIP, SHOULDER, ELBOW]", "[HIP, SHOULDER, LEFT_ELBO]"),
    )
    with pytest.raises(ExerciseFileError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert message.startswith("shoulder.yaml line 11: angle.points[2]:")
    assert "unknown joint 'LEFT_ELBO' — did you mean LEFT_ELBOW?" in message


def test_unknown_key_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = GOOD + "hystersis_deg: 5\n"
    with pytest.raises(ExerciseFileError, match=r"x.yaml line 14: hystersis_deg: unknown field"):
        load_exercise_file(_write(tmp_path, "x.yaml", text))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("peak: {min_deg: 80}", "peak: {min_deg: 30}"), "must not overlap"),
        (("rest: {max_deg: 40}\n", ""), "needs both `rest` and `peak`"),
        (("sides: both", "sides: sometimes"), "line 8: sides:"),
        (("[HIP, SHOULDER, ELBOW]", "[HIP, SHOULDER]"), "a joint angle needs 3 points"),
        (("schema_version: 1", "schema_version: 2"), "line 1: schema_version"),
        (("peak: {min_deg: 80}", "peak: {min_deg: 80, max_deg: 10}"), "above max_deg"),
        (
            ("[HIP, SHOULDER, ELBOW]", "[HIP, SHOULDER, ELBOW]\n  lateral_axis: [OTHER_HIP, HIP]"),
            "lateral_axis applies to segment angles from the vertical",
        ),
        (
            (
                "kind: joint\n  points: [HIP, SHOULDER, ELBOW]",
                "kind: segment\n  points: [SHOULDER, ELBOW]\n  lateral_axis: [HIP]",
            ),
            "lateral_axis needs 2 joints",
        ),
    ],
)
def test_invalid_definitions_say_what_is_wrong(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    with pytest.raises(ExerciseFileError, match=expected):
        load_exercise_file(_write(tmp_path, "bad.yaml", GOOD.replace(*change)))


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    with pytest.raises(ExerciseFileError, match=r"bad.yaml line \d+: not valid YAML"):
        load_exercise_file(_write(tmp_path, "bad.yaml", GOOD + "form_rules: [\n"))


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "a_good.yaml", GOOD)
    _write(tmp_path, "b_bad.yaml", GOOD.replace("test_raise", "other").replace("ELBOW]", "ELBO]"))
    _write(tmp_path, "c_dup.yaml", GOOD)
    library = load_library(tmp_path)
    assert list(library.exercises) == ["test_raise"]
    assert len(library.problems) == 2
    assert "b_bad.yaml line 11" in library.problems[0]
    assert "already used by 'test_raise'" in library.problems[1]


def test_unknown_exercise_lists_close_matches() -> None:
    with pytest.raises(UnknownExerciseError, match=r"did you mean .*shoulder_abduction"):
        load_library().get("shoulder_abdution")


def test_side_relative_joint_names() -> None:
    assert resolve_joint("ELBOW", Side.LEFT) is Joint.LEFT_ELBOW
    assert resolve_joint("elbow", Side.RIGHT) is Joint.RIGHT_ELBOW
    assert resolve_joint("OTHER_HIP", Side.LEFT) is Joint.RIGHT_HIP
    assert resolve_joint("MOUTH", Side.RIGHT) is Joint.MOUTH_RIGHT
    assert resolve_joint("NOSE", Side.RIGHT) is Joint.NOSE
    assert resolve_joint("LEFT_HIP", Side.RIGHT) is Joint.LEFT_HIP
    with pytest.raises(ValueError, match="did you mean KNEE"):
        check_joint_name("KNEEE")


def test_hold_exercise_rules() -> None:
    plank = load_library().get("plank")
    assert plank.hold is not None and plank.hold.target_s > 0
    data = plank.model_dump()
    data["rest"] = {"max_deg": 10}
    with pytest.raises(ValueError, match=r"hold exercise uses `hold\.zone`"):
        Exercise.model_validate(data)
    data = plank.model_dump()
    data["hold"]["requires"] *= 2
    with pytest.raises(ValueError, match=r"hold\.requires ids repeat"):
        Exercise.model_validate(data)
    data["hold"]["requires"][0]["measure"]["points"] = ["SHOULDER", "HIPP", "KNEE"]
    with pytest.raises(ValueError, match="did you mean HIP"):
        Exercise.model_validate(data)


def test_every_side_mode_is_used() -> None:
    modes = {e.sides for e in load_library().exercises.values()}
    assert {SideMode.BOTH, SideMode.ALTERNATING} <= modes


def test_default_dir_is_the_bundled_folder() -> None:
    assert (DEFAULT_DIR / "squat.yaml").is_file()
