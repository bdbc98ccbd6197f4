"""Live tracking: one PoseFrame at a time in, events out (webcam, or a stream replayed).

Pure core. Per frame and side: the angle measured with plain floats (`FrameMeasurer`),
landmarks under `min_visibility` dropped, a causal median of 3 (single-frame spikes out)
and a One Euro filter, then the same
`ExerciseEngine` that offline analysis uses. Short gaps hold the state; long gaps pause it.

    tracker = ExerciseTracker(exercise)
    for frame in frames:
        for event in tracker.update(frame):
            show(event)
    tracker.finish(); result = tracker.result()
"""

from __future__ import annotations

import math

from rehab.core.analysis import FRONT_MAX_YAW_DEG, OFF_VIEW_CONFIDENCE, SIDE_MIN_YAW_DEG
from rehab.core.exercise import CameraView, Exercise, resolve_joint
from rehab.core.exercise_engine import ExerciseEngine
from rehab.core.filters import CausalMedian, OneEuroFilter
from rehab.core.landmarks import PoseFrame
from rehab.core.measures import FrameLists, FrameMeasurer, side_factors_frame
from rehab.core.results import EngineEvent, SetResult, Side

# Form rules are cues for a person: checked at most 10 times a second (their minimum
# durations are in milliseconds, so the rate does not change what they mean).
FORM_INTERVAL_MS = 100.0


def frame_view(frame: PoseFrame | FrameLists) -> CameraView | None:
    """front / oblique / side for one frame (None without a person)."""
    data = frame if isinstance(frame, FrameLists) else FrameLists.of(frame)
    return _view(side_factors_frame(data)[0])


def _view(yaw_deg: float) -> CameraView | None:
    if math.isnan(yaw_deg):
        return None
    if yaw_deg < FRONT_MAX_YAW_DEG:
        return CameraView.FRONT
    return CameraView.SIDE if yaw_deg > SIDE_MIN_YAW_DEG else CameraView.OBLIQUE


class ExerciseTracker:
    """Counts one exercise live. `update(frame)` returns the events of that frame."""

    def __init__(
        self,
        exercise: Exercise,
        side: Side | None = None,
        min_cutoff_hz: float = 1.0,
        beta: float = 0.05,
    ) -> None:
        self.exercise = exercise
        self.engine = ExerciseEngine(exercise, side)
        sides = self.engine.plan.measured
        vis = exercise.min_visibility
        self._angle = {s: FrameMeasurer(exercise.angle, s, vis) for s in sides}
        self._form = {
            (rule.id, s): FrameMeasurer(rule.measure, s, vis)
            for rule in exercise.form_rules
            for s in sides
        }
        self._required = {
            s: [int(resolve_joint(n, s)) for n in exercise.required_landmarks] for s in sides
        }
        checks = exercise.hold.requires if exercise.hold is not None else []
        self._checks = {
            (f"requires:{check.id}", s): (FrameMeasurer(check.measure, s, vis), check.allowed)
            for check in checks
            for s in sides
        }
        self._filters = {
            key: OneEuroFilter(min_cutoff_hz, beta, reset_after_ms=exercise.max_gap_ms)
            for key in [*sides, *self._form, *self._checks]
        }
        self._despike = {s: CausalMedian(3, reset_after_ms=exercise.max_gap_ms) for s in sides}
        self.angle_deg: dict[Side, float] = {}
        self.view: CameraView | None = None
        self._form_ms = -math.inf
        self._views = frozenset(exercise.camera_views)

    def reset(self) -> None:
        self.engine.reset()
        for f in self._filters.values():
            f.reset()
        for d in self._despike.values():
            d.reset()
        self.angle_deg = {}
        self.view = None
        self._form_ms = -math.inf

    def update(self, frame: PoseFrame) -> list[EngineEvent]:
        """Feed one frame; returns the events it caused (possibly none)."""
        t_ms = frame.t_ms
        data = FrameLists.of(frame)
        yaw_deg, turn = side_factors_frame(data)
        vis_min = self.exercise.min_visibility
        self.view = _view(yaw_deg)
        factor = 1.0
        if self.view is not None and self.view not in self._views:
            factor = OFF_VIEW_CONFIDENCE
        samples: dict[Side, tuple[float, float]] = {}
        for s, measure in self._angle.items():
            value, conf = measure(data)
            if any(not data.visibility[j] >= vis_min for j in self._required[s]):
                value = math.nan
            smooth = self._filters[s].update(t_ms, self._despike[s].update(t_ms, value))
            samples[s] = (smooth, conf * factor * turn[s])
        positions = self._positions(t_ms, data, samples) if self._checks else None
        self.angle_deg = {s: v for s, (v, _) in samples.items()}
        form: dict[tuple[str, Side], float] = {}
        if self._form and not t_ms - self._form_ms < FORM_INTERVAL_MS:
            self._form_ms = t_ms
            active = self.engine.active_rules()
            form = {
                key: self._filters[key].update(t_ms, measure(data)[0])
                for key, measure in self._form.items()
                if key[0] in active
            }
        return self.engine.step(t_ms, samples, form, positions)

    def _positions(
        self, t_ms: float, data: FrameLists, samples: dict[Side, tuple[float, float]]
    ) -> dict[Side, bool]:
        """Each side's hold checks; a check not measurable makes the side's angle unseen."""
        positions = dict.fromkeys(samples, True)
        for key, (measure, allowed) in self._checks.items():
            s = key[1]
            value = self._filters[key].update(t_ms, measure(data)[0])
            if math.isnan(value):
                samples[s] = (math.nan, samples[s][1])
            elif not allowed.contains(value):
                positions[s] = False
        return positions

    def finish(self) -> list[EngineEvent]:
        """End of the set: the rep under way becomes a partial rep."""
        return self.engine.finish()

    def result(self) -> SetResult:
        return self.engine.result()
