"""Holds timed as a therapist times them: from the moment the position is reached and steady
to the last moment in it; brief wobbles and unseen stretches (a cut to a close-up) forgiven;
a hold under way at the first frame counted from the first frame; one hold per leg."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.exercise import CameraView, Hold, Zone
from rehab.core.hold_timer import HoldTimer
from rehab.core.landmarks import Joint, LandmarkStream
from rehab.core.results import EventKind, SetResult, Side
from rehab.core.synthetic import hide_joints, pose_from_angles, stream_from_poses, synthetic_stream
from rehab.core.tracker import ExerciseTracker
from rehab.exercise_library import load_library

LIBRARY = load_library()
DT_MS = 1000 / 30


def _timer(max_unseen_ms: float = 10_000.0, **hold: float) -> HoldTimer:
    hold_spec = Hold(zone=Zone(min_deg=60, max_deg=110), target_s=30, **hold)
    return HoldTimer("t", Side.LEFT, hold_spec, 5.0, 600.0, max_unseen_ms)


def _feed(timer: HoldTimer, angles: np.ndarray, in_position: np.ndarray | None = None) -> None:
    for i, a in enumerate(angles.tolist()):
        ok = True if in_position is None else bool(in_position[i])
        timer.update(i * DT_MS, a, 0.9, ok)
    timer.finish(len(angles) * DT_MS)


def _between(stream: LandmarkStream, from_ms: float, to_ms: float) -> LandmarkStream:
    rows = (stream.t_ms >= from_ms) & (stream.t_ms <= to_ms)
    return replace(
        stream, t_ms=stream.t_ms[rows], image_xyz=stream.image_xyz[rows],
        world_xyz=stream.world_xyz[rows], visibility=stream.visibility[rows],
    )  # fmt: skip


def _live(stream: LandmarkStream, exercise_id: str) -> SetResult:
    tracker = ExerciseTracker(LIBRARY.get(exercise_id))
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    return tracker.result()


def test_a_pass_through_the_zone_is_no_hold_and_a_hold_starts_where_it_settled() -> None:
    timer = _timer()
    passing = np.linspace(20, 150, 12)  # through 60-110 in under 0.2 s
    angles = np.concatenate([passing, np.full(30, 150.0), np.full(150, 90.0), np.full(30, 10.0)])
    _feed(timer, angles)
    (hold,) = timer.holds
    assert hold.start_ms == pytest.approx(42 * DT_MS)  # the stay, not the pass before it
    assert hold.held_s == pytest.approx(149 * DT_MS / 1000)


def test_a_hold_under_way_at_the_first_frame_counts_from_the_first_frame() -> None:
    timer = _timer()
    _feed(timer, np.full(240, 85.0))
    (hold,) = timer.holds
    assert hold.start_ms == 0.0 and hold.held_s == pytest.approx(239 * DT_MS / 1000)
    wall_sit = LIBRARY.get("wall_sit")
    whole = synthetic_stream(wall_sit, n_reps=1, hold_s=8, view="side", seed=2)
    stream = _between(whole, 4000.0, 9000.0)  # the recording starts in mid-hold
    for result in (analyze_stream(stream, wall_sit), _live(stream, "wall_sit")):
        (hold,) = result.holds
        assert hold.start_ms == pytest.approx(stream.t_ms[0], abs=1.0)


def test_out_of_position_is_outside_the_hold_even_with_the_angle_in_the_zone() -> None:
    timer = _timer()
    angles = np.full(300, 85.0)
    in_position = np.arange(300) >= 90  # the angle is right, the rest of the body not yet
    _feed(timer, angles, in_position)
    (hold,) = timer.holds
    assert hold.start_ms == pytest.approx(90 * DT_MS)


def test_unseen_stretches_inside_a_hold_are_forgiven_up_to_max_unseen() -> None:
    angles = np.concatenate([np.full(120, 85.0), np.full(90, np.nan), np.full(120, 85.0)])
    timer = _timer()
    _feed(timer, angles)  # 3 s not seen (a close-up) between two stretches in position
    (hold,) = timer.holds
    assert hold.held_s == pytest.approx(329 * DT_MS / 1000)
    timer = _timer(max_unseen_ms=2000)
    _feed(timer, angles)  # unseen longer than allowed: two holds, the gap not counted
    assert [round(h.held_s, 1) for h in timer.holds] == [4.0, 4.0]
    left = np.concatenate([np.full(120, 85.0), np.full(30, np.nan), np.full(60, 10.0)])
    timer = _timer()
    _feed(timer, left)  # seen again out of position: the hold ended where it was last seen
    (hold,) = timer.holds
    assert hold.held_s == pytest.approx(119 * DT_MS / 1000)


def _plank_poses(angles: dict[str, float], n: int) -> np.ndarray:
    return np.repeat(pose_from_angles(angles, "prone")[None], n, axis=0)


def test_kneeling_on_all_fours_is_no_plank_and_the_hold_starts_with_straight_hips() -> None:
    """The body line is level on all fours too; the plank starts once the hips are straight."""
    plank = LIBRARY.get("plank")
    arms = {"left_shoulder_flex": 90.0, "right_shoulder_flex": 90.0}
    forearms = {**arms, "left_elbow_flex": 90.0, "right_elbow_flex": 90.0}
    bent = {f"{s}_{j}": 90.0 for s in ("left", "right") for j in ("hip_flex", "knee_flex")}
    poses = [_plank_poses({**arms, **bent}, 90), _plank_poses(forearms, 240)]
    body = np.concatenate(poses)
    t_ms = np.arange(len(body)) * DT_MS
    stream = stream_from_poses(body, t_ms, view=CameraView.SIDE, noise_px=1.0, seed=3)
    for result in (analyze_stream(stream, plank), _live(stream, "plank")):
        (hold,) = result.holds
        assert hold.start_ms == pytest.approx(90 * DT_MS, abs=150)
        assert hold.held_s == pytest.approx(8.0, abs=0.3)


def test_a_cut_to_a_close_up_does_not_end_a_hold() -> None:
    plank = LIBRARY.get("plank")
    stream = synthetic_stream(plank, n_reps=1, hold_s=12, view="side", noise_px=1.0, seed=1)
    start_ms = stream.t_ms[0] + 1000 + 1500 + 4000  # lead-in, getting down, 4 s of hold
    legs = [Joint.LEFT_HIP, Joint.RIGHT_HIP, Joint.LEFT_KNEE, Joint.RIGHT_KNEE,
            Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE]  # fmt: skip
    close_up = hide_joints(stream, legs, start_ms, start_ms + 3000)
    for result in (analyze_stream(close_up, plank), _live(close_up, "plank")):
        (hold,) = result.holds
        assert hold.held_s == pytest.approx(12, abs=1.5)


def test_two_holds_on_different_legs_are_two_holds() -> None:
    stance = LIBRARY.get("single_leg_stance")
    stream = synthetic_stream(stance, n_reps=2, hold_s=5, view="front", noise_px=1.0, seed=4)
    for result in (analyze_stream(stream, stance), _live(stream, "single_leg_stance")):
        assert [h.side for h in result.holds] == [Side.LEFT, Side.RIGHT]
        # 5 s at the top of each, and the part of the lift and the lowering past 45 deg
        assert all(5.0 <= h.held_s <= 6.6 for h in result.holds), result.holds


def test_progress_events_count_whole_seconds_from_the_start_of_the_hold() -> None:
    timer = _timer()
    kinds: list[EventKind] = []
    for i in range(150):
        kinds += [e.kind for e in timer.update(i * DT_MS, 85.0, 0.9)]
    assert kinds.count(EventKind.HOLD_PROGRESS) == 4  # 149 frames = 4.97 s
