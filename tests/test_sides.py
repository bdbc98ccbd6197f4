"""Which limb a rep belongs to: an alternating exercise done with one limb counts that limb
only; an exercise whose limbs move together (`together`) needs both, so one limb alone (a
step) is no rep."""

from __future__ import annotations

import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import SetResult, Side
from rehab.core.synthetic import synthetic_stream
from rehab.core.tracker import ExerciseTracker
from rehab.exercise_library import load_library

LIBRARY = load_library()


def _both(stream: LandmarkStream, exercise_id: str) -> tuple[SetResult, SetResult]:
    exercise = LIBRARY.get(exercise_id)
    tracker = ExerciseTracker(exercise)
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    return analyze_stream(stream, exercise), tracker.result()


@pytest.mark.parametrize(
    ("exercise_id", "side"),
    [("hip_abduction", Side.LEFT), ("hip_abduction", Side.RIGHT), ("standing_march", Side.RIGHT),
     ("knee_extension", Side.LEFT)],
)  # fmt: skip
def test_an_alternating_exercise_done_with_one_limb_counts_that_limb(
    exercise_id: str, side: Side
) -> None:
    exercise = LIBRARY.get(exercise_id)
    view = next(v.value for v in exercise.camera_views if v.value != "side")  # both legs seen
    stream = synthetic_stream(exercise, n_reps=4, side=side, view=view, noise_px=1.0, seed=6)
    for result in _both(stream, exercise_id):
        assert result.reps_per_side() == {side: 4}


def test_a_heel_raise_needs_both_heels() -> None:
    heel_raise = LIBRARY.get("heel_raise")
    assert heel_raise.together
    both = synthetic_stream(heel_raise, n_reps=3, view="side", noise_px=1.0, seed=7)
    for result in _both(both, "heel_raise"):
        assert result.total_reps == 3
    for side in (Side.LEFT, Side.RIGHT):  # one heel at a time: steps, not heel raises
        one = synthetic_stream(heel_raise, n_reps=3, view="oblique", side=side, seed=8)
        for result in _both(one, "heel_raise"):
            assert result.total_reps == 0
    # side-on the far foot is hidden: the foot seen counts alone (both cannot be checked)
    near = synthetic_stream(heel_raise, n_reps=3, view="side", side=Side.LEFT, seed=8)
    for result in _both(near, "heel_raise"):
        assert result.total_reps == 3


def test_without_together_a_bilateral_exercise_counts_one_arm_reps() -> None:
    curl = LIBRARY.get("biceps_curl")
    assert not curl.together
    one_arm = synthetic_stream(curl, n_reps=3, side=Side.LEFT, noise_px=1.0, seed=9)
    for result in _both(one_arm, "biceps_curl"):
        assert result.total_reps == 3
