"""Offline analysis of a whole landmark stream: the most accurate count and ROM.

Pure core. Per side: angle per frame -> landmarks under `min_visibility` become NaN ->
Hampel outlier removal -> short gaps bridged (<= `max_gap_ms`) -> zero-phase Butterworth
low-pass (`cutoff_hz`, 4th order, forwards-backwards: peaks keep their height and time)
-> the same `ExerciseEngine` the live tracker uses.

    result = analyze_stream(stream, exercise)            # SetResult
    detail = analyze_stream_detailed(stream, exercise)   # + smoothed angle traces, events
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rehab.core.exercise import AngleSpec, CameraView, Exercise, OffsetSpec, resolve_joint
from rehab.core.exercise_engine import ExerciseEngine, plan_for
from rehab.core.filters import bridge_gaps, hampel, zero_phase_lowpass
from rehab.core.geometry import shoulder_yaw_deg
from rehab.core.landmarks import Joint, LandmarkStream
from rehab.core.measures import gate_series, side_factors, visible_series
from rehab.core.results import EngineEvent, SetResult, Side

FloatArray = npt.NDArray[np.float64]

FRONT_MAX_YAW_DEG = 30.0  # shoulder line turned less than this: a front (or back) view
SIDE_MIN_YAW_DEG = 60.0  # more than this: a side view; in between: oblique
OFF_VIEW_CONFIDENCE = 0.75  # confidence factor when filmed from a view the exercise avoids


@dataclass(frozen=True)
class StreamAnalysis:
    """A stream analysed: the set, the smoothed angle traces it was counted on, the events."""

    result: SetResult
    t_ms: FloatArray
    angles_deg: dict[Side, FloatArray]  # smoothed; BOTH = the two sides combined
    confidence: dict[Side, FloatArray]
    events: tuple[EngineEvent, ...]
    views: dict[CameraView, float]  # share of frames seen from each view


def analyze_stream(
    stream: LandmarkStream, exercise: Exercise, side: Side | None = None
) -> SetResult:
    """Count reps (or time holds) of `exercise` in `stream`. `side`: LEFT/RIGHT to analyse
    one limb only, BOTH for both, None for the exercise's own side handling."""
    return analyze_stream_detailed(stream, exercise, side).result


def camera_views(stream: LandmarkStream) -> list[CameraView | None]:
    """Per frame: front, oblique or side, from how far the shoulder line turns away from the
    image plane in the world landmarks (None where no person)."""
    yaw = shoulder_yaw_deg(
        stream.world_xyz[:, int(Joint.LEFT_SHOULDER)],
        stream.world_xyz[:, int(Joint.RIGHT_SHOULDER)],
    )
    views: list[CameraView | None] = []
    for y in yaw:
        if math.isnan(y):
            views.append(None)
        elif y < FRONT_MAX_YAW_DEG:
            views.append(CameraView.FRONT)
        elif y > SIDE_MIN_YAW_DEG:
            views.append(CameraView.SIDE)
        else:
            views.append(CameraView.OBLIQUE)
    return views


def clean_signal(
    t_ms: FloatArray, values: FloatArray, max_gap_ms: float, cutoff_hz: float
) -> FloatArray:
    """Outliers out, short gaps bridged, zero-phase low-pass; long gaps stay NaN."""
    despiked = hampel(values, window=3)
    bridged = bridge_gaps(t_ms, despiked, max_gap_ms)
    return zero_phase_lowpass(t_ms, bridged, cutoff_hz)


def _image_px(stream: LandmarkStream) -> FloatArray:
    width, height = stream.info.image_size
    px: FloatArray = stream.image_xyz[:, :, :2] * np.array([width, height], dtype=np.float64)
    return px


def _measure(
    stream: LandmarkStream,
    spec: AngleSpec | OffsetSpec,
    side: Side,
    min_visibility: float,
) -> tuple[FloatArray, FloatArray]:
    px = _image_px(stream)
    return visible_series(px, stream.world_xyz, stream.visibility, spec, side, min_visibility)


def _view_factor(exercise: Exercise, views: list[CameraView | None]) -> FloatArray:
    allowed = set(exercise.camera_views)
    return np.array(
        [1.0 if v is None or v in allowed else OFF_VIEW_CONFIDENCE for v in views],
        dtype=np.float64,
    )


def _chosen_side(
    exercise: Exercise, side: Side | None, conf: dict[Side, FloatArray]
) -> Side | None:
    """better_seen offline: the side with the most visibility over the whole stream."""
    if side is not None or not plan_for(exercise).better_seen:
        return side
    totals = {s: float(np.nansum(c)) for s, c in conf.items()}
    return max(totals, key=lambda s: totals[s])


def analyze_stream_detailed(
    stream: LandmarkStream, exercise: Exercise, side: Side | None = None
) -> StreamAnalysis:
    """`analyze_stream` with the smoothed angle traces and the events, for plots and logs."""
    t_ms = np.asarray(stream.t_ms, dtype=np.float64)
    views = camera_views(stream)
    factor = _view_factor(exercise, views)
    angles: dict[Side, FloatArray] = {}
    conf: dict[Side, FloatArray] = {}
    turn = side_factors(stream.world_xyz)
    for s in plan_for(exercise, side).measured:
        raw, c = _measure(stream, exercise.angle, s, exercise.min_visibility)
        required = [resolve_joint(n, s) for n in exercise.required_landmarks]
        raw = gate_series(raw, stream.visibility, required, exercise.min_visibility)
        angles[s] = clean_signal(t_ms, raw, exercise.max_gap_ms, exercise.cutoff_hz)
        conf[s] = c * factor * turn[s]
    engine = ExerciseEngine(exercise, _chosen_side(exercise, side, conf))
    form = _form_series(stream, exercise, engine.plan.measured, t_ms)
    positions = _position_series(stream, exercise, angles, t_ms)
    events = _run(engine, t_ms, angles, conf, form, positions)
    if Side.BOTH in engine.plan.counted:
        lesser_of = exercise.direction() if exercise.together else 0
        angles[Side.BOTH] = _combined(angles, conf, lesser_of)
    result = engine.result(warnings=_warnings(stream, exercise, engine, angles))
    counted = Counter(v for v in views if v is not None)
    total = sum(counted.values())
    shares = {v: counted[v] / total for v in CameraView} if total else {}
    return StreamAnalysis(result, t_ms, angles, conf, tuple(events), shares)


def _form_series(
    stream: LandmarkStream, exercise: Exercise, sides: tuple[Side, ...], t_ms: FloatArray
) -> dict[tuple[str, Side], FloatArray]:
    series: dict[tuple[str, Side], FloatArray] = {}
    for rule in exercise.form_rules:
        for s in sides:
            value, _ = _measure(stream, rule.measure, s, exercise.min_visibility)
            series[(rule.id, s)] = clean_signal(
                t_ms, value, exercise.max_gap_ms, exercise.cutoff_hz
            )
    return series


def _position_series(
    stream: LandmarkStream,
    exercise: Exercise,
    angles: dict[Side, FloatArray],
    t_ms: FloatArray,
) -> dict[Side, npt.NDArray[np.bool_]]:
    """Per side, frames that pass the hold's `requires` checks. Where a check cannot be
    measured the position is unknown: the side's angle becomes NaN there (not seen)."""
    checks = exercise.hold.requires if exercise.hold is not None else []
    if not checks:
        return {}
    out: dict[Side, npt.NDArray[np.bool_]] = {}
    for s, angle in angles.items():
        ok = np.ones(len(t_ms), dtype=bool)
        for check in checks:
            value, _ = _measure(stream, check.measure, s, exercise.min_visibility)
            value = clean_signal(t_ms, value, exercise.max_gap_ms, exercise.cutoff_hz)
            known = np.isfinite(value)
            angle[~known] = np.nan
            ok &= ~known | np.array([check.allowed.contains(v) for v in value.tolist()])
        out[s] = ok
    return out


def _run(
    engine: ExerciseEngine,
    t_ms: FloatArray,
    angles: dict[Side, FloatArray],
    conf: dict[Side, FloatArray],
    form: dict[tuple[str, Side], FloatArray],
    positions: dict[Side, npt.NDArray[np.bool_]],
) -> list[EngineEvent]:
    sides = [s for s in engine.plan.measured if s in angles]
    angle_lists = {s: angles[s].tolist() for s in sides}
    conf_lists = {s: np.nan_to_num(conf[s], nan=0.0).tolist() for s in sides}
    form_lists = {k: v.tolist() for k, v in form.items()}
    position_lists = {s: v.tolist() for s, v in positions.items()}
    events: list[EngineEvent] = []
    for i, t in enumerate(t_ms.tolist()):
        samples = {s: (angle_lists[s][i], conf_lists[s][i]) for s in sides}
        values = {k: v[i] for k, v in form_lists.items()}
        in_position = {s: v[i] for s, v in position_lists.items()}
        events += engine.step(t, samples, values, in_position)
    events += engine.finish()
    return events


def _combined(
    angles: dict[Side, FloatArray], conf: dict[Side, FloatArray], lesser_of: int
) -> FloatArray:
    from rehab.core.exercise_engine import combine_sides

    left, right = angles[Side.LEFT], angles[Side.RIGHT]
    cl, cr = np.nan_to_num(conf[Side.LEFT]), np.nan_to_num(conf[Side.RIGHT])
    return np.array(
        [
            combine_sides((a, c), (b, d), lesser_of)[0]
            for a, c, b, d in zip(left, cl, right, cr, strict=True)
        ],
        dtype=np.float64,
    )


def _warnings(
    stream: LandmarkStream,
    exercise: Exercise,
    engine: ExerciseEngine,
    angles: dict[Side, FloatArray],
) -> tuple[str, ...]:
    if len(stream) == 0 or not stream.detected.any():
        return ("no person was found in any frame",)
    if any(np.isfinite(angles[s]).any() for s in engine.plan.measured if s in angles):
        return ()
    missing: list[str] = []
    for s in engine.plan.measured:
        for joint in exercise.landmarks_needed(s):
            seen = np.nan_to_num(stream.visibility[:, int(joint)]) >= exercise.min_visibility
            if not seen.any():
                missing.append(joint.name)
    joints = ", ".join(dict.fromkeys(missing)) or "the joints of the measured angle"
    return (f"{joints} never visible (visibility >= {exercise.min_visibility}): nothing counted",)
