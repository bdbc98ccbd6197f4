"""A demonstration of an exercise, made from its own definition (pure core).

`plan_demo(exercise)` chooses what the demonstration shows: the camera view (one the
exercise recommends, where the counted angle is seen), the counted angle at rest and at the
peak (the natural starting pose when it lies at rest; the exercise's target range when it
lies in the peak zone), the tempo (the exercise's own limits), one rep (one per side for an
alternating exercise) or one hold. `demo_stream(exercise, plan)` is the synthetic body doing
it: the same landmark stream the engine counts, so a test can check that the engine counts
exactly the reps shown.

    plan = plan_demo(exercise)
    stream = demo_stream(exercise, plan)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rehab.core.body_motion import motion_for
from rehab.core.exercise import AngleSpace, CameraView, Exercise, SideMode
from rehab.core.landmarks import LandmarkStream
from rehab.core.measures import angle_series
from rehab.core.motion import Posture
from rehab.core.results import Side
from rehab.core.synthetic import (
    default_angles,
    reachable_angles,
    rep_trajectory,
    stream_from_angles,
)

FPS = 30.0
CONCENTRIC_S = 1.5  # the lifting half of a demonstrated rep, unless the tempo asks otherwise
PEAK_PAUSE_S = 0.5
LEAD_S = 0.8  # still at rest before the first and after the last rep
BETWEEN_REPS_S = 0.6
MAX_HOLD_S = 5.0  # a hold is shown this long at most (the target is said in words)
SEEN_ENOUGH = 0.8  # a view shows the angle when the drawn angle follows the real one this well


@dataclass(frozen=True)
class DemoPlan:
    """What a demonstration shows; times in seconds from its start."""

    exercise_id: str
    view: CameraView
    rest_deg: float
    peak_deg: float
    sides: tuple[Side, ...]  # the limb that moves in each rep (or hold)
    rep_s: float  # rest -> peak -> rest, without the pause at the peak
    pause_s: float  # at the peak (a hold: the seconds held)
    is_hold: bool

    @property
    def reps(self) -> int:
        """Reps shown (0 for a hold exercise)."""
        return 0 if self.is_hold else len(self.sides)

    @property
    def holds(self) -> int:
        return len(self.sides) if self.is_hold else 0

    def cycle_s(self) -> float:
        return self.rep_s + self.pause_s + BETWEEN_REPS_S

    def peak_times_s(self) -> tuple[float, ...]:
        """When each rep is at its peak (the middle of the pause)."""
        first = LEAD_S + self.rep_s / 2 + self.pause_s / 2
        return tuple(first + i * self.cycle_s() for i in range(len(self.sides)))

    def duration_s(self) -> float:
        return 2 * LEAD_S + len(self.sides) * self.cycle_s() - BETWEEN_REPS_S


def _sides(exercise: Exercise) -> tuple[Side, ...]:
    if exercise.sides is SideMode.ALTERNATING:
        return (Side.LEFT, Side.RIGHT)
    if exercise.sides is SideMode.RIGHT:
        return (Side.RIGHT,)
    if exercise.sides is SideMode.BOTH:
        return (Side.BOTH,)
    return (Side.LEFT,)


def _rep_s(exercise: Exercise) -> float:
    motion = motion_for(exercise)
    if motion.rep_s is not None:
        return motion.rep_s
    tempo = exercise.tempo
    concentric = CONCENTRIC_S
    if tempo is not None and tempo.min_concentric_s is not None:
        concentric = max(concentric, 1.5 * tempo.min_concentric_s)
    if tempo is not None and tempo.max_rep_s is not None:
        concentric = min(concentric, (0.7 * tempo.max_rep_s - PEAK_PAUSE_S) / 2)
    return 2 * concentric


def _margin(exercise: Exercise) -> float:
    return exercise.hysteresis_deg + 5.0


def _rep_angles(exercise: Exercise, side: Side) -> tuple[float, float]:
    """(rest, peak): the natural start if it is at rest, the target range if it reaches
    the peak zone; else inside each zone by a margin."""
    assert exercise.rest is not None and exercise.peak is not None
    rest, peak = default_angles(exercise)
    start, low, high = reachable_angles(exercise, side)
    d = exercise.direction()
    if exercise.rest.contains(start) and d * (exercise.rest_edge_deg() - start) >= _margin(
        exercise
    ):
        rest = start
    if exercise.target_rom_deg is not None:
        wanted = rest + d * exercise.target_rom_deg
        deep = d * (wanted - exercise.peak_edge_deg()) >= _margin(exercise)
        if exercise.peak.contains(wanted) and deep and low + 1 <= wanted <= high - 1:
            peak = wanted
    return rest, peak


def _hold_angles(exercise: Exercise, side: Side) -> tuple[float, float]:
    """(outside the zone, inside it): the natural start when it lies well outside."""
    assert exercise.hold is not None
    rest, inside = default_angles(exercise)
    start, _, _ = reachable_angles(exercise, side)
    zone, margin = exercise.hold.zone, _margin(exercise)
    below = zone.min_deg is not None and start <= zone.min_deg - margin
    above = zone.max_deg is not None and start >= zone.max_deg + margin
    return (start if below or above else rest), inside


def _shown_share(
    exercise: Exercise, view: CameraView, side: Side, rest: float, peak: float
) -> float:
    """How well the picture shows the counted angle from rest to peak: 1 when the angle
    drawn in the image follows the real one, near 0 (or below) when the limb moves toward
    the camera and the drawn angle says little."""
    angle = np.linspace(rest, peak, 13, dtype=np.float64)
    t_ms: npt.NDArray[np.float64] = np.arange(len(angle), dtype=np.float64) * 100.0
    stream = stream_from_angles(exercise, t_ms, angle, side, view=view)
    spec = exercise.angle.model_copy(update={"space": AngleSpace.IMAGE, "fallback": None})
    width, height = stream.info.image_size
    px = stream.image_xyz[:, :, :2] * np.array([width, height], dtype=np.float64)
    measured_side = Side.LEFT if side is Side.BOTH else side
    seen, _ = angle_series(px, stream.world_xyz, stream.visibility, spec, measured_side)
    if np.all(np.isnan(seen)):
        return 0.0
    error = float(np.nanmean(np.abs(seen - angle)))
    return 1.0 - error / max(abs(peak - rest), 1e-6)


def _view(exercise: Exercise, sides: tuple[Side, ...], rest: float, peak: float) -> CameraView:
    """The first recommended view that shows the movement (not side-on when both limbs take
    turns: the far one is hidden); else the one that shows it best."""
    views = [
        v for v in exercise.camera_views if not (len(sides) > 1 and v is CameraView.SIDE)
    ] or list(exercise.camera_views)
    shares = {v: _shown_share(exercise, v, sides[0], rest, peak) for v in views}
    for view in views:
        if shares[view] >= SEEN_ENOUGH:
            return view
    return max(views, key=lambda v: shares[v])


def plan_demo(exercise: Exercise, view: CameraView | None = None) -> DemoPlan:
    """What the demonstration of `exercise` shows (from `view` when given)."""
    sides = _sides(exercise)
    moving = sides[0]
    if exercise.hold is not None:
        rest, peak = _hold_angles(exercise, moving)
        hold = exercise.hold
        pause = min(hold.target_s, max(MAX_HOLD_S, hold.min_s + 2.0))
        rep_s = 2 * CONCENTRIC_S
    else:
        rest, peak = _rep_angles(exercise, moving)
        pause, rep_s = PEAK_PAUSE_S, _rep_s(exercise)
    chosen = view if view is not None else _view(exercise, sides, rest, peak)
    return DemoPlan(exercise.id, chosen, rest, peak, sides, rep_s, pause, exercise.is_hold)


def demo_trajectory(
    plan: DemoPlan,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[Side]]:
    """(t_ms, counted angle in degrees, the moving side) per frame of the demonstration."""
    t_ms, angle = rep_trajectory(
        len(plan.sides), plan.rest_deg, plan.peak_deg, fps=FPS, rep_s=plan.rep_s,
        hold_s=plan.pause_s, rest_s=BETWEEN_REPS_S, lead_in_s=LEAD_S, lead_out_s=LEAD_S,
    )  # fmt: skip
    rep_no = np.clip(((t_ms / 1000.0 - LEAD_S) // plan.cycle_s()).astype(int), 0, None)
    sides = [plan.sides[min(int(n), len(plan.sides) - 1)] for n in rep_no]
    return t_ms, angle, sides


def demo_stream(exercise: Exercise, plan: DemoPlan | None = None) -> LandmarkStream:
    """The synthetic body doing the demonstration, resting on the floor: the stream the
    figure is drawn from and the engine counts."""
    plan = plan or plan_demo(exercise)
    t_ms, angle, sides = demo_trajectory(plan)
    stream = stream_from_angles(exercise, t_ms, angle, sides, view=plan.view)
    lying = motion_for(exercise).posture in (Posture.SUPINE.value, Posture.PRONE.value)
    return settle_on_floor(stream, tilt=lying and exercise.angle.kind == "joint")


def settle_on_floor(stream: LandmarkStream, tilt: bool) -> LandmarkStream:
    """The body moved, frame by frame, so that it rests on one floor line (the synthetic
    body hangs from its hips: a squat would lift the feet). With `tilt` (a body lying down,
    counted on a joint angle, which turning does not change) it is also turned in the
    picture about the camera's axis, as a rigid body settles: onto the edge of its outline
    under its centre (hands and toes in a push-up, shoulders and feet in a bridge)."""
    width, height = stream.info.image_size
    px = stream.image_xyz[:, :, :2] * np.array([width, height], dtype=np.float64)
    world = stream.world_xyz.copy()
    for i in range(len(px)):
        if tilt and np.isfinite(px[i]).all():
            turn = _settling_turn(px[i])
            centre = np.nanmean(px[i], axis=0)
            px[i] = (px[i] - centre) @ turn.T + centre
            world[i, :, :2] = world[i, :, :2] @ turn.T
    floor = float(np.nanmax(px[0, :, 1]))
    px[:, :, 1] += (floor - np.nanmax(px[:, :, 1], axis=1))[:, None]
    image = stream.image_xyz.copy()
    image[:, :, :2] = px / np.array([width, height], dtype=np.float64)
    return replace(stream, image_xyz=image, world_xyz=world)


def _settling_turn(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The 2-D rotation that lays the lower outline's edge under the centre flat."""
    centre_x = float(np.mean(points[:, 0]))
    left = points[points[:, 0] <= centre_x]
    right = points[points[:, 0] > centre_x]
    if len(left) == 0 or len(right) == 0:
        return np.eye(2)
    best: tuple[float, float] | None = None
    for a in left:  # the support edge: the pair whose line leaves every point above it
        for b in right:
            slope = (b[1] - a[1]) / (b[0] - a[0])
            line = a[1] + slope * (points[:, 0] - a[0])
            if np.all(points[:, 1] <= line + 1e-6):
                best = (float(b[0] - a[0]), float(b[1] - a[1]))
                break
        if best is not None:
            break
    if best is None:
        return np.eye(2)
    angle = -math.atan2(best[1], best[0])
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]], dtype=np.float64)
