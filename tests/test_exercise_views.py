"""The two exercises no real clip shows yet (mini squat, side bend), on synthetic streams
filmed from every view their exercise file recommends, offline and live."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.exercise import CameraView, Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import SetResult
from rehab.core.synthetic import (
    pose_from_angles,
    rep_trajectory,
    stream_from_angles,
    stream_from_poses,
    synthetic_stream,
)
from rehab.core.tracker import ExerciseTracker
from rehab.exercise_library import load_library

LIBRARY = load_library()
MINI_SQUAT = LIBRARY.get("mini_squat")
SIDE_BEND = LIBRARY.get("side_bend")


def _both(stream: LandmarkStream, exercise: Exercise) -> tuple[SetResult, SetResult]:
    tracker = ExerciseTracker(exercise)
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    return analyze_stream(stream, exercise), tracker.result()


def _views(exercise: Exercise) -> list[str]:
    return [v.value for v in exercise.camera_views]


def test_the_views_are_the_ones_recommended() -> None:
    assert set(MINI_SQUAT.camera_views) == {CameraView.SIDE, CameraView.OBLIQUE, CameraView.FRONT}
    assert SIDE_BEND.camera_views == [CameraView.FRONT]


@pytest.mark.parametrize("view", _views(MINI_SQUAT))
def test_mini_squats_of_30_to_45_degrees_count_in_every_view(view: str) -> None:
    _, knee = rep_trajectory(4, 5.0, 40.0, rep_s=2.4, rest_s=0.8)
    t_ms = np.arange(len(knee)) * 1000 / 30
    stream = stream_from_angles(MINI_SQUAT, t_ms, knee, view=CameraView(view), noise_px=1.5)
    for result in _both(stream, MINI_SQUAT):
        assert result.total_reps == 4
        assert all(30 <= r.peak_angle_deg <= 50 for r in result.complete_reps())
        assert not [i for r in result.reps for i in r.form_issues if i.rule_id == "not_too_deep"]


@pytest.mark.parametrize("view", _views(MINI_SQUAT))
def test_a_knee_bend_short_of_30_degrees_is_no_mini_squat(view: str) -> None:
    stream = synthetic_stream(MINI_SQUAT, n_reps=3, rest_deg=5, rom_deg=17, view=view, seed=2)
    for result in _both(stream, MINI_SQUAT):
        assert result.total_reps == 0


@pytest.mark.parametrize("view", _views(MINI_SQUAT))
def test_a_full_squat_counts_once_and_is_flagged_too_deep(view: str) -> None:
    stream = synthetic_stream(MINI_SQUAT, n_reps=2, rest_deg=5, rom_deg=90, view=view, seed=3)
    for result in _both(stream, MINI_SQUAT):
        assert result.total_reps == 2
        assert all(
            any(i.rule_id == "not_too_deep" for i in rep.form_issues)
            for rep in result.complete_reps()
        )


def _side_bends(tilts_deg: list[float], view: CameraView, noise_px: float = 1.0) -> LandmarkStream:
    """Upright between bends; each bend to `tilt` (+ one side, - the other) and back."""
    fps = 30.0
    upright = [0.0] * int(fps)
    trunk: list[float] = list(upright)
    for tilt in tilts_deg:
        ramp = (1 - np.cos(np.linspace(0, np.pi, int(fps * 1.2)))) / 2 * tilt
        trunk += [*ramp, *[tilt] * 15, *ramp[::-1], *upright]
    body = np.array([pose_from_angles({"trunk_lat": float(a)}) for a in trunk])
    t_ms = np.arange(len(body)) * 1000 / fps
    return stream_from_poses(body, t_ms, view=view, noise_px=noise_px, seed=5)


@pytest.mark.parametrize("view", _views(SIDE_BEND))
def test_side_bends_to_either_side_each_count(view: str) -> None:
    stream = _side_bends([30, -30, 28, -28, 35], CameraView(view))
    for result in _both(stream, SIDE_BEND):
        assert result.total_reps == 5
        assert all(r.peak_angle_deg >= 20 for r in result.complete_reps())


@pytest.mark.parametrize("view", _views(SIDE_BEND))
def test_small_sways_and_a_forward_bend_are_no_side_bends(view: str) -> None:
    sways = _side_bends([6, -6, 7], CameraView(view))  # inside the upright zone (8 deg)
    for result in _both(sways, SIDE_BEND):
        assert result.total_reps == 0 and result.partial_reps() == ()
    bows = np.array(
        [pose_from_angles({"trunk_flex": float(a)}) for a in np.r_[np.zeros(30), 0:60:2, 60:0:-2]]
    )
    stream = stream_from_poses(bows, np.arange(len(bows)) * 1000 / 30, view=CameraView(view))
    for result in _both(stream, SIDE_BEND):
        assert result.total_reps == 0
