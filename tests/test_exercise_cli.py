"""`rehab exercises ...` and `rehab analyze` from the command line (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehab.cli import main
from rehab.core.landmarks import Joint
from rehab.core.results import Side
from rehab.core.synthetic import hide_joints, synthetic_stream
from rehab.exercise_library import load_library
from rehab.streamfile import save_stream

LIBRARY = load_library()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--verbose", *argv])  # --verbose keeps stderr where pytest captures it
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_every_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "exercises", "list")
    assert code == 0
    assert f"{len(LIBRARY)} exercises" in out
    for exercise_id in ("squat", "plank", "shoulder_abduction"):
        assert exercise_id in out


def test_show_by_alias(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "exercises", "show", "front_raise")
    assert code == 0
    assert "Shoulder flexion (shoulder_flexion)" in out
    assert "rest <= 45 deg, peak >= 70 deg" in out
    assert "1. " in out and "form cues:" in out


def test_show_unknown_lists_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "exercises", "show", "sqat")
    assert code == 2
    assert err.startswith("rehab: error: unknown exercise 'sqat'; did you mean squat")
    assert err.count("\n") == 1


def test_validate_folder_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "exercises", "validate")
    assert code == 0 and f"{len(LIBRARY)} exercises valid, 0 with errors" in out
    source = (Path(__file__).parent.parent / "exercises" / "squat.yaml").read_text()
    (tmp_path / "squat.yaml").write_text(source)
    (tmp_path / "broken.yaml").write_text(
        source.replace("id: squat", "id: broken").replace(
            "[HIP, KNEE, ANKLE]", "[HIP, KNE, ANKLE]", 1
        )
    )
    code, out, err = _run(capsys, "exercises", "validate", str(tmp_path))
    assert code == 1
    assert "1 exercises valid, 1 with errors" in out
    assert "broken.yaml line" in err and "did you mean KNEE" in err
    code, out, _ = _run(capsys, "exercises", "validate", str(tmp_path / "squat.yaml"))
    assert code == 0 and "squat.yaml: ok" in out
    code, _, err = _run(capsys, "exercises", "validate", str(tmp_path / "broken.yaml"))
    assert code == 1 and "unknown joint 'KNE'" in err


def test_analyze_npz_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exercise = LIBRARY.get("hip_abduction")  # alternating: total = left + right
    stream = synthetic_stream(exercise, n_reps=4, view="front", noise_px=1.0, seed=3)
    path = save_stream(stream, tmp_path / "session.npz")
    code, out, _ = _run(capsys, "analyze", str(path), "--exercise", "side_leg_raise", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["exercise"] == "hip_abduction"
    assert data["reps"] == 4 and data["partial_reps"] == 0
    assert data["per_side"]["left"]["reps"] == 2 and data["per_side"]["right"]["reps"] == 2
    detail = data["rep_details"][0]
    for key in ("start_s", "peak_s", "end_s", "peak_angle_deg", "min_angle_deg", "rom_deg",
                "concentric_s", "eccentric_s", "hold_s", "confidence", "form_issues"):  # fmt: skip
        assert key in detail
    assert 0 < detail["start_s"] < detail["peak_s"] < detail["end_s"] < stream.t_ms[-1] / 1000
    assert 20 < detail["rom_deg"] < 60
    code, out, _ = _run(
        capsys, "analyze", str(path), "-e", "hip_abduction", "--side", "left", "--json"
    )
    assert json.loads(out)["reps"] == 2


def test_analyze_human_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exercise = LIBRARY.get("squat")
    path = save_stream(
        synthetic_stream(exercise, n_reps=3, view="side", seed=1), tmp_path / "s.npz"
    )
    code, out, _ = _run(capsys, "analyze", str(path), "-e", "squat")
    assert code == 0
    assert out.startswith("Squat: 3 reps, 0 partial")
    assert "peak°" in out and out.count(" both ") == 3


def test_analyze_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plank = LIBRARY.get("plank")
    stream = synthetic_stream(plank, n_reps=1, hold_s=10, view="side", seed=1)
    path = save_stream(stream, tmp_path / "plank.npz")
    code, out, _ = _run(capsys, "analyze", str(path), "-e", "plank", "--json")
    (hold,) = json.loads(out)["holds"]
    assert code == 0 and 8.5 < hold["held_s"] < 11.5 and not hold["complete"]


def test_landmarks_never_visible_give_zero_and_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exercise = LIBRARY.get("elbow_flexion")
    stream = synthetic_stream(exercise, n_reps=3, view="front", seed=2)
    hidden = hide_joints(stream, [Joint.LEFT_WRIST, Joint.RIGHT_WRIST])
    path = save_stream(hidden, tmp_path / "hidden.npz")
    code, out, err = _run(capsys, "analyze", str(path), "-e", "elbow_flexion", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["reps"] == 0
    assert "LEFT_WRIST" in err and "RIGHT_WRIST" in err and "never visible" in err
    assert data["warnings"]


def test_analyze_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "analyze", str(tmp_path / "missing.npz"), "-e", "squat")
    assert code == 2 and "no such file" in err
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = _run(capsys, "analyze", str(tmp_path / "notes.txt"), "-e", "squat")
    assert code == 2 and "unsupported file type" in err
    code, _, err = _run(capsys, "analyze", str(tmp_path / "notes.txt"), "-e", "squatt")
    assert code == 2 and "did you mean squat" in err


@pytest.mark.video
@pytest.mark.slow
def test_analyze_a_real_video(clips, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    clip = next(c for c in clips if c.name == "shoulder_abduction__seated_dumbbell_side.mp4")
    code, out, _ = _run(capsys, "analyze", str(clip.path), "-e", clip.exercise, "--json")
    assert code == 0
    assert json.loads(out)["reps"] in clip.accepted_counts()


def test_side_values_match_the_results_enum() -> None:
    assert {s.value for s in Side} == {"left", "right", "both"}
