"""Camera cuts and zooms inside a clip never create or lose a rep by themselves: angles do not
depend on where the person is in the picture or how big."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.landmarks import LandmarkStream
from rehab.core.synthetic import synthetic_stream
from rehab.core.tracker import ExerciseTracker
from rehab.exercise_library import load_library

LIBRARY = load_library()


def _reframed(stream: LandmarkStream, cuts_ms: list[float], zooms: list[float]) -> LandmarkStream:
    """At each cut the picture jumps: zoomed by the factor about a new centre (a cut to a
    closer or wider shot, or a handheld zoom), the person moved across the frame."""
    image = stream.image_xyz.copy()
    rng = np.random.default_rng(1)
    for cut_ms, zoom in zip(cuts_ms, zooms, strict=True):
        rows = stream.t_ms >= cut_ms
        centre = np.array([0.5, 0.5]) + rng.uniform(-0.08, 0.08, 2)
        image[rows, :, :2] = centre + (image[rows, :, :2] - 0.5) * zoom
        image[rows, :, 2] *= zoom
    return replace(stream, image_xyz=image)


def _counts(stream: LandmarkStream, exercise_id: str) -> tuple[int, int]:
    exercise = LIBRARY.get(exercise_id)
    tracker = ExerciseTracker(exercise)
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    return analyze_stream(stream, exercise).total_reps, tracker.result().total_reps


@pytest.mark.parametrize(
    ("exercise_id", "view"),
    [("wall_push_up", "side"), ("squat", "oblique"), ("shoulder_abduction", "front"),
     ("hip_abduction", "front"), ("sit_to_stand", "side")],
)  # fmt: skip
def test_cuts_and_zooms_mid_rep_and_between_reps_change_no_count(
    exercise_id: str, view: str
) -> None:
    exercise = LIBRARY.get(exercise_id)
    stream = synthetic_stream(exercise, n_reps=4, view=view, noise_px=1.0, seed=3)
    # lead-in 1 s, reps of 3 s with 1 s between: cuts at the peak of rep 1, mid-way down
    # rep 2, at rest between reps 3 and 4
    cuts = [1000 + 1500, 1000 + 4000 + 2200, 1000 + 3 * 4000 - 500]
    reframed = _reframed(stream, cuts, [1.6, 0.7, 1.3])
    assert _counts(reframed, exercise_id) == _counts(stream, exercise_id) == (4, 4)
