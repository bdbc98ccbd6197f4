"""The live overlay keeps its words where the patient can read them."""

from __future__ import annotations

import numpy as np

from rehab.core.results import Severity
from rehab.live.flow import LiveStatus, Phase
from rehab.live.overlay import CONTROLS_SHARE, draw_overlay


def status_with(message: str) -> LiveStatus:
    return LiveStatus(
        phase=Phase.COUNTING, exercise_name="Seated knee extension", set_index=1, sets=3,
        plan_index=0, plan_count=3, reps=2, target_reps=10, hold_s=0.0, hold_target_s=None,
        rest_left_s=0.0, message=message, severity=Severity.WARNING, set_done=False, t_ms=0.0,
    )  # fmt: skip


def test_the_cue_stays_above_the_video_controls_and_the_picture_is_left_alone() -> None:
    for height, width in ((480, 640), (640, 360), (240, 320)):
        grey = np.full((height, width, 3), 128, np.uint8)
        out = draw_overlay(grey, None, status_with("Straighten your knee a little more"))
        changed_rows = np.flatnonzero((out != grey).any(axis=(1, 2)))
        controls_top = height - int(height * CONTROLS_SHARE)
        assert changed_rows.max() < controls_top, (height, width)  # nothing under the controls
        assert changed_rows.max() > height // 2  # the cue is drawn, low in the picture
        assert np.array_equal(grey, np.full((height, width, 3), 128, np.uint8))  # a new image
