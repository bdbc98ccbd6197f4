"""Demonstrations generated from the exercise definitions: true to the rule, and written."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from rehab.core.analysis import analyze_stream
from rehab.core.demonstration import demo_stream, plan_demo
from rehab.core.exercise import Exercise
from rehab.core.tracker import ExerciseTracker
from rehab.demos.draw import ACCENT, frame_size
from rehab.demos.output import stills, stills_png
from rehab.demos.scene import build_scene
from rehab.exercise_library import load_library, parse_exercise_text

LIBRARY = load_library()

# Two exercises a clinic might write, without a `demo:` block: the figure's motion is read
# from the counted angle.
CLINIC_YAML = {
    "standing_hamstring_curl": """
schema_version: 1
id: standing_hamstring_curl
name: Standing hamstring curl
description: Standing, bend one knee to bring the heel toward the buttock.
instructions: [Hold a chair., Bend one knee behind you., Lower the foot slowly.]
body_region: knee
camera_views: [side, oblique, front]
sides: alternating
angle: {kind: joint, points: [HIP, KNEE, ANKLE], flexion: true}
rest: {max_deg: 25}
peak: {min_deg: 70}
target_rom_deg: 90
""",
    "front_arm_raise": """
schema_version: 1
id: front_arm_raise
name: Front arm raise
description: Raise both straight arms forward to shoulder height.
instructions: [Stand tall., Raise your arms forward., Lower them slowly.]
body_region: shoulder
camera_views: [side]
sides: both
angle: {kind: segment, points: [SHOULDER, WRIST], reference: vertical}
rest: {max_deg: 30}
peak: {min_deg: 75}
""",
}


def _clinic(exercise_id: str) -> Exercise:
    return parse_exercise_text(CLINIC_YAML[exercise_id], Path(f"{exercise_id}.yaml"))


ALL = [*sorted(LIBRARY.exercises), *CLINIC_YAML]


def _exercise(exercise_id: str) -> Exercise:
    return _clinic(exercise_id) if exercise_id in CLINIC_YAML else LIBRARY.get(exercise_id)


@pytest.mark.parametrize("exercise_id", ALL)
def test_the_engine_counts_exactly_what_the_demonstration_shows(exercise_id: str) -> None:
    exercise = _exercise(exercise_id)
    plan = plan_demo(exercise)
    assert plan.view in exercise.camera_views
    stream = demo_stream(exercise, plan)
    result = analyze_stream(stream, exercise)
    assert result.total_reps == plan.reps
    assert not result.partial_reps()
    assert len(result.holds) == plan.holds
    for rep in result.reps:
        assert exercise.peak is not None and exercise.peak.contains(rep.peak_angle_deg), rep
        assert rep.form_issues == (), f"the demonstration breaks a form rule: {rep.form_issues}"
    for hold in result.holds:
        assert exercise.hold is not None and exercise.hold.zone.contains(hold.mean_angle_deg)
        assert hold.held_s >= plan.pause_s - 0.5
        assert hold.form_issues == ()
    tracker = ExerciseTracker(exercise)  # the live path counts the same
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    assert tracker.result().total_reps == plan.reps
    assert len(tracker.result().holds) == plan.holds


@pytest.mark.parametrize("exercise_id", ["squat", "hip_abduction", "plank", "front_arm_raise"])
def test_the_count_drawn_is_the_engines(exercise_id: str) -> None:
    scene = build_scene(_exercise(exercise_id))
    last = scene.frames[-1].count
    if scene.plan.is_hold:
        assert last.startswith("Held:")
    else:
        assert last == f"Reps: {scene.plan.reps}"
        assert scene.frames[0].count == "Reps: 0"


def test_alternating_exercises_show_both_sides_from_a_view_that_sees_both() -> None:
    plan = plan_demo(LIBRARY.get("straight_leg_raise"))  # recommended: side, oblique
    assert plan.reps == 2 and plan.view.value == "oblique"


def test_a_curl_is_shown_from_where_the_elbow_bend_is_seen() -> None:
    # Recommended front first; from the front the forearm comes toward the camera.
    assert plan_demo(LIBRARY.get("biceps_curl")).view.value == "side"


def _accent_pixels(image: Image.Image) -> int:
    rgb = np.asarray(image, dtype=np.int16)
    return int(np.sum(np.all(np.abs(rgb - np.array(ACCENT)) < 30, axis=-1)))


@pytest.mark.parametrize("exercise_id", ["squat", "glute_bridge", "side_bend", "plank"])
def test_stills_show_the_counted_angle_and_differ_at_the_peak(exercise_id: str) -> None:
    scene = build_scene(LIBRARY.get(exercise_id))
    start, peak = stills(scene)
    assert start.size == peak.size == frame_size(scene)
    assert _accent_pixels(start) > 50 and _accent_pixels(peak) > 50
    diff = np.abs(np.asarray(start, dtype=np.int16) - np.asarray(peak, dtype=np.int16))
    assert np.mean(diff.max(axis=-1) > 40) > 0.02  # the body moved
    sheet = Image.open(io.BytesIO(stills_png(scene)))
    assert sheet.width > 2 * start.width and sheet.height == start.height


def _rehab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rehab.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_writes_gif_mp4_and_png(tmp_path: Path) -> None:
    gif, mp4, png = tmp_path / "d.gif", tmp_path / "d.mp4", tmp_path / "d.png"
    for path in (gif, mp4, png):
        done = _rehab("exercises", "demo", "heel_raise", "-o", str(path))
        assert done.returncode == 0, done.stderr
        assert "1 rep(s), side view" in done.stdout
    with Image.open(gif) as image:
        assert image.n_frames > 20 and image.info["loop"] == 0
    with av.open(str(mp4)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(video))
    assert frames == len(demo_stream(LIBRARY.get("heel_raise")))
    assert Image.open(png).format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.gif", "d.mp4", "d.png"]


def test_cli_demo_of_a_clinics_own_exercise(tmp_path: Path) -> None:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "front_arm_raise.yaml").write_text(CLINIC_YAML["front_arm_raise"])
    out = tmp_path / "raise.png"
    done = _rehab("exercises", "demo", "front_arm_raise", "--library", str(folder), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file()


def test_cli_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    bad_suffix = _rehab("exercises", "demo", "squat", "-o", str(tmp_path / "d.txt"))
    assert bad_suffix.returncode == 2 and ".gif, .mp4, .png" in bad_suffix.stderr
    wrong_view = _rehab(
        "exercises", "demo", "heel_raise", "--view", "front", "-o", str(tmp_path / "a.png")
    )
    assert wrong_view.returncode == 2 and "filmed from: side" in wrong_view.stderr
    folder = tmp_path / "clinic"
    folder.mkdir()
    odd = CLINIC_YAML["front_arm_raise"].replace("[SHOULDER, WRIST]", "[NOSE, WRIST]")
    (folder / "front_arm_raise.yaml").write_text(odd)
    unknown = _rehab(
        "exercises",
        "demo",
        "front_arm_raise",
        "--library",
        str(folder),
        "-o",
        str(tmp_path / "b.gif"),
    )
    assert unknown.returncode == 2 and "add a `demo:` block" in unknown.stderr
    assert not any(tmp_path.glob("*.gif")) and not any(tmp_path.glob(".*"))


def test_demo_block_is_validated() -> None:
    text = CLINIC_YAML["front_arm_raise"] + "demo:\n  moving: {elbow_bend: 1}\n"
    with pytest.raises(Exception, match="unknown body angle 'elbow_bend'"):
        parse_exercise_text(text, Path("x.yaml"))


def test_demonstrations_are_kept_and_redrawn_when_the_exercise_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehab.demos.cache import demo_gif, demo_stills

    monkeypatch.setenv("REHAB_DEMO_CACHE", str(tmp_path))
    exercise = LIBRARY.get("heel_raise")
    first = demo_gif(exercise)
    (kept,) = tmp_path.glob("heel_raise-en-*.gif")
    stamp = kept.stat().st_mtime_ns
    assert demo_gif(exercise) == first and kept.stat().st_mtime_ns == stamp  # read, not drawn
    assert Image.open(io.BytesIO(first)).n_frames > 20
    changed = exercise.model_copy(update={"target_rom_deg": 35.0})
    demo_gif(changed)
    assert len(list(tmp_path.glob("heel_raise-en-*.gif"))) == 2
    start, peak = demo_stills(exercise, "es")
    assert Image.open(io.BytesIO(start)).size == Image.open(io.BytesIO(peak)).size
    assert len(list(tmp_path.glob("heel_raise-es-*.png"))) == 2
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_every_library_angle_has_a_name_a_patient_understands() -> None:
    from rehab.demos.words import COUNTED_ANGLE, angle_label
    from rehab.i18n import translator

    unnamed = [
        e.id
        for e in LIBRARY.exercises.values()
        if angle_label(e.angle, translator("en")) == COUNTED_ANGLE
    ]
    assert not unnamed
