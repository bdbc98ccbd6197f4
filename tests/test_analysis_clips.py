"""The engine on real clips (../shared/data/videos): every hand count, offline and live.

Skipped without the clips; failing under REHAB_STRICT=1. Zones come from the exercise
files (chosen clinically), never from these clips.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream, analyze_stream_detailed
from rehab.core.landmarks import LandmarkStream
from rehab.core.tracker import ExerciseTracker
from rehab.exercise_library import load_library

pytestmark = pytest.mark.video

LIBRARY = load_library()


def _table(rows: list[tuple[str, int, set[int]]]) -> str:
    return "\n".join(f"  {name}: got {got}, want {sorted(want)}" for name, got, want in rows)


def test_every_clip_gives_the_hand_count(clips, clip_streams) -> None:  # type: ignore[no-untyped-def]
    rows = [
        (c.name, analyze_stream(clip_streams[c.name], LIBRARY.get(c.exercise)).total_reps,
         c.accepted_counts())
        for c in clips
    ]  # fmt: skip
    wrong = [r for r in rows if r[1] not in r[2]]
    assert not wrong, "counts differ from MANIFEST.csv:\n" + _table(wrong)
    assert len(rows) >= 10


def test_live_tracker_gives_the_same_counts(clips, clip_streams) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for clip in clips:
        tracker = ExerciseTracker(LIBRARY.get(clip.exercise))
        for frame in clip_streams[clip.name]:
            tracker.update(frame)
        tracker.finish()
        rows.append((clip.name, tracker.result().total_reps, clip.accepted_counts()))
    wrong = [r for r in rows if r[1] not in r[2]]
    assert not wrong, "live counts differ from MANIFEST.csv:\n" + _table(wrong)


@pytest.mark.parametrize(
    "exercise_id",
    ["shoulder_abduction", "shoulder_flexion", "shoulder_press", "elbow_flexion", "biceps_curl",
     "jumping_jacks", "push_up", "wall_push_up"],
)  # fmt: skip
def test_head_movement_is_no_shoulder_or_elbow_rep(clip_streams, exercise_id: str) -> None:  # type: ignore[no-untyped-def]
    stream = clip_streams["neck_rotation__seated_front.mp4"]
    result = analyze_stream(stream, LIBRARY.get(exercise_id))
    assert result.total_reps == 0
    assert result.partial_reps() == ()


def test_rep_details_are_consistent(clips, clip_streams) -> None:  # type: ignore[no-untyped-def]
    for clip in clips:
        exercise = LIBRARY.get(clip.exercise)
        detail = analyze_stream_detailed(clip_streams[clip.name], exercise)
        for rep in detail.result.complete_reps():
            where = f"{clip.name} rep {rep.index}"
            assert rep.start_ms <= rep.peak_ms <= rep.end_ms, where
            assert rep.rom_deg >= abs(exercise.peak_edge_deg() - exercise.rest_edge_deg()) - 1e-6
            assert rep.min_angle_deg <= rep.peak_angle_deg <= rep.max_angle_deg + 1e-9, where
            assert 0 < rep.confidence <= 1, where
            assert not math.isnan(rep.peak_angle_deg), where
        assert sum(detail.views.values()) == pytest.approx(1.0)


def test_side_view_clip_is_seen_side_on_and_front_clips_front_on(clips, clip_streams) -> None:  # type: ignore[no-untyped-def]
    from rehab.core.exercise import CameraView

    for clip in clips:
        views = analyze_stream_detailed(clip_streams[clip.name], LIBRARY.get(clip.exercise)).views
        dominant = max(views, key=lambda v: views[v])
        if clip.view == "side":
            assert dominant is CameraView.SIDE, clip.name
        elif clip.view == "front":
            assert dominant is CameraView.FRONT, clip.name


def _every(stream: LandmarkStream, step: int, offset: int) -> LandmarkStream:
    return stream.take(np.arange(offset, len(stream), step))


def _jittered(stream: LandmarkStream, px: float, seed: int) -> LandmarkStream:
    rng = np.random.default_rng(seed)
    width, height = stream.info.image_size
    image = stream.image_xyz.copy()
    image[:, :, 0] += rng.normal(0, px / width, image.shape[:2])
    image[:, :, 1] += rng.normal(0, px / height, image.shape[:2])
    return replace(stream, image_xyz=image)


def test_counts_survive_mirroring_lower_frame_rates_and_pixel_noise(clips, clip_streams) -> None:  # type: ignore[no-untyped-def]
    """Other cameras: a mirrored webcam, 15 and 10 fps, 6 px of landmark jitter."""
    wrong = []
    for clip in clips:
        stream, exercise = clip_streams[clip.name], LIBRARY.get(clip.exercise)
        variants = {
            "mirrored": LandmarkStream.from_frames([f.mirrored() for f in stream], stream.info),
            "15 fps": _every(stream, 2, 1),
            "10 fps": _every(stream, 3, 0),
            "6 px jitter": _jittered(stream, 6.0, 2),
        }
        for name, variant in variants.items():
            got = analyze_stream(variant, exercise).total_reps
            if got not in clip.accepted_counts():
                wrong.append((f"{clip.name} ({name})", got, clip.accepted_counts()))
    assert not wrong, "counts changed:\n" + _table(wrong)
