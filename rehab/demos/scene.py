"""What each frame of a demonstration shows, as numbers: the body in output pixels, the
counted angle as the engine measures it, the count so far. Drawing is `rehab.demos.draw`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rehab.core.analysis import analyze_stream_detailed
from rehab.core.body_motion import motion_for
from rehab.core.demonstration import LEAD_S, DemoPlan, demo_stream, demo_trajectory, plan_demo
from rehab.core.exercise import CameraView, Exercise, Zone, localized
from rehab.core.landmarks import Joint
from rehab.core.results import EngineEvent, EventKind, Side
from rehab.core.synthetic import CAMERA_DISTANCE_M, FOCAL_PX
from rehab.demos import words
from rehab.i18n import Translator, translator

FloatArray = npt.NDArray[np.float64]

HEIGHT_PX = 360  # the figure's panel; the title and the gauge add their own bands
MIN_WIDTH_PX = 420
PAD = 0.12  # around the body's reach, as a share of its size


@dataclass(frozen=True)
class DemoFrame:
    t_ms: float
    points: FloatArray  # (33, 3): x, y in panel pixels, z depth (larger = further)
    angle_deg: float  # the counted angle as the engine measures it (NaN: not measured)
    side: Side  # the limb whose angle is drawn
    count: str  # "Reps: 1", "Held: 3 s"


@dataclass(frozen=True)
class DemoScene:
    exercise: Exercise  # in the patient's language
    plan: DemoPlan
    frames: tuple[DemoFrame, ...]
    size: tuple[int, int]  # the figure's panel (width, height)
    floor_y: float
    seat: tuple[float, float, float, float] | None  # x0, y0, x1, y1 of a chair seat
    angle_label: str
    zones: tuple[tuple[Zone, str], ...]  # (zone, its word) for the gauge
    caption: str  # under the title: the camera's place, the hold's target
    pixels_per_m: float

    def still_indices(self) -> tuple[int, int]:
        """(start, peak): the first frame, and the first rep at its peak."""
        peak_ms = self.plan.peak_times_s()[0] * 1000.0
        times = np.array([f.t_ms for f in self.frames])
        return 0, int(np.argmin(np.abs(times - peak_ms)))


def build_scene(
    exercise: Exercise, language: str = "en", view: CameraView | None = None
) -> DemoScene:
    """The demonstration of `exercise` (its plan, stream and count), ready to draw."""
    t = translator(language)
    plan = plan_demo(exercise, view)
    stream = demo_stream(exercise, plan)
    analysis = analyze_stream_detailed(stream, exercise)
    _, _, moving = demo_trajectory(plan)
    px = stream.image_xyz[:, :, :2] * np.array(stream.info.image_size, dtype=np.float64)
    box = _reach_box(px)
    scale = HEIGHT_PX / (box[3] - box[1])
    width = max(MIN_WIDTH_PX, round((box[2] - box[0]) * scale))
    width += width % 2
    offset = np.array([(width - (box[2] - box[0]) * scale) / 2 - box[0] * scale, -box[1] * scale])
    counts = _counts(analysis.events, stream.t_ms, plan, t)
    frames = []
    for i, t_ms in enumerate(stream.t_ms.tolist()):
        side = moving[i] if moving[i] is not Side.BOTH else Side.LEFT
        angle = _angle_at(analysis.angles_deg, moving[i], i)
        points = np.concatenate([px[i] * scale + offset, stream.image_xyz[i, :, 2:3]], axis=1)
        frames.append(DemoFrame(t_ms, points, angle, side, counts[i]))
    all_y = np.array([f.points[:, 1] for f in frames])
    floor_y = float(np.nanmax(all_y)) + 0.02 * HEIGHT_PX
    return DemoScene(
        exercise=localized(exercise, language),
        plan=plan,
        frames=tuple(frames),
        size=(width, HEIGHT_PX),
        floor_y=floor_y,
        seat=_seat(exercise, frames[0], floor_y, scale),
        angle_label=words.angle_label(exercise.angle, t),
        zones=_zones(exercise, t),
        caption=_caption(exercise, plan.view, t),
        pixels_per_m=FOCAL_PX / CAMERA_DISTANCE_M * scale,
    )


def _reach_box(px: FloatArray) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 around every position the body takes, padded."""
    x, y = px[..., 0], px[..., 1]
    x0, x1, y0, y1 = np.nanmin(x), np.nanmax(x), np.nanmin(y), np.nanmax(y)
    size = max(x1 - x0, y1 - y0)
    pad = PAD * size
    return float(x0 - pad), float(y0 - pad), float(x1 + pad), float(y1 + pad * 0.6)


def _angle_at(angles: dict[Side, FloatArray], moving: Side, i: int) -> float:
    series = angles.get(moving)
    if series is None:
        series = angles.get(Side.BOTH, angles.get(Side.LEFT))
    return math.nan if series is None else float(series[i])


def _counts(
    events: tuple[EngineEvent, ...], t_ms: FloatArray, plan: DemoPlan, t: Translator
) -> list[str]:
    """The count shown at each frame: reps completed so far, or seconds of the hold."""
    kind = EventKind.HOLD_PROGRESS if plan.is_hold else EventKind.REP_COMPLETED
    times = np.array([e.t_ms for e in events if e.kind is kind], dtype=np.float64)
    out: list[str] = []
    for now in t_ms.tolist():
        if plan.is_hold:
            cycle = plan.cycle_s() * 1000.0
            start = LEAD_S * 1000.0 + max(0.0, (now - LEAD_S * 1000.0) // cycle) * cycle
            held = int(np.sum((times <= now) & (times >= start)))
            out.append(t.gettext(words.HELD).format(seconds=held))
        else:
            out.append(t.gettext(words.REPS).format(count=int(np.sum(times <= now))))
    return out


def _zones(exercise: Exercise, t: Translator) -> tuple[tuple[Zone, str], ...]:
    if exercise.hold is not None:
        return ((exercise.hold.zone, t.gettext(words.HOLD_ZONE)),)
    assert exercise.rest is not None and exercise.peak is not None
    return ((exercise.rest, t.gettext(words.REST)), (exercise.peak, t.gettext(words.PEAK)))


def _caption(exercise: Exercise, view: CameraView, t: Translator) -> str:
    """Where the camera goes, and how long a hold lasts."""
    parts = [t.gettext(words.VIEWS[view])]
    if exercise.hold is not None:
        parts.append(t.gettext(words.HOLD_FOR).format(seconds=f"{exercise.hold.target_s:g}"))
    return " · ".join(parts)


def _seat(
    exercise: Exercise, first: DemoFrame, floor_y: float, scale: float
) -> tuple[float, float, float, float] | None:
    """A chair seat under the hips for a seated exercise."""
    if motion_for(exercise).posture != "seated":
        return None
    hips = first.points[[int(Joint.LEFT_HIP), int(Joint.RIGHT_HIP)], :2]
    knees = first.points[[int(Joint.LEFT_KNEE), int(Joint.RIGHT_KNEE)], :2]
    top = float(np.max(hips[:, 1])) + 0.06 * HEIGHT_PX / 2.2
    toward_knees = float(np.sign(np.mean(knees[:, 0]) - np.mean(hips[:, 0])) or 1.0)
    x_back = float(np.mean(hips[:, 0])) - toward_knees * 0.12 * HEIGHT_PX / 2.2
    x_front = float(np.mean(knees[:, 0])) - toward_knees * 0.05 * HEIGHT_PX / 2.2
    return (min(x_back, x_front), top, max(x_back, x_front), floor_y)
