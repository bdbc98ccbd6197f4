"""Synthetic landmark streams made from joint-angle trajectories (pure: numpy only).

For tests, benchmarks and demo data: a stick figure with BlazePose's 33 landmarks is posed
from a few anatomical angles (shoulder abduction/flexion, elbow, hip, knee, ankle, trunk),
turned to face the camera from the front, the side or at 45 degrees, projected with a
pinhole camera, and written as a `LandmarkStream` with the same conventions as the real
pipeline (normalised image coordinates, world metres around the hips, y down).

    stream = synthetic_stream(exercise, n_reps=8, rom_deg=70, seed=3)
    stream = synthetic_stream(exercise, n_reps=1, hold_s=20)          # a hold exercise

The requested angle is the exercise's own primary angle: the exercise's body motion (its
`demo:` block, or read from the angle: `rehab.core.body_motion`) is inverted numerically, so
`analyze_stream` on the result measures the trajectory asked for (up to noise and the
camera's perspective).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from rehab.core.body_motion import Motion, motion_for
from rehab.core.exercise import AngleSpace, CameraView, Exercise, SideMode
from rehab.core.landmarks import N_JOINTS, Joint, LandmarkStream, StreamInfo
from rehab.core.measures import angle_series
from rehab.core.results import Side

FloatArray = npt.NDArray[np.float64]

IMAGE_SIZE = (640, 480)
CAMERA_DISTANCE_M = 3.2
FOCAL_PX = 420.0
VIEW_YAW_DEG = {CameraView.FRONT: 0.0, CameraView.OBLIQUE: 45.0, CameraView.SIDE: 90.0}
POSTURE_PITCH_DEG = {"standing": 0.0, "seated": 0.0, "supine": -90.0, "prone": 90.0}

# Segment lengths (metres) of an average adult.
UPPER_ARM, FOREARM, HAND = 0.29, 0.26, 0.08
THIGH, SHIN = 0.43, 0.42


def _rx(deg: float) -> FloatArray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)


def _ry(deg: float) -> FloatArray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)


def _rz(deg: float) -> FloatArray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


_DOWN = np.array([0.0, 1.0, 0.0])


def _limb(
    root: FloatArray, frame: FloatArray, flex: float, abd: float, bend: float, sign: float,
    lengths: tuple[float, float], bend_dir: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """(joint, end, end frame) of a two-segment limb hanging from `root`."""
    r1 = frame @ _rx(-flex) @ _rz(-sign * abd)
    mid = root + r1 @ _DOWN * lengths[0]
    r2 = r1 @ _rx(bend_dir * bend)
    end = mid + r2 @ _DOWN * lengths[1]
    return mid, end, r2


def pose_from_angles(angles: dict[str, float], posture: str = "standing") -> FloatArray:
    """(33, 3) landmarks in metres (origin between the hips, y down, the person facing -z)
    for the named joint angles in degrees: {left_,right_}{shoulder_abd, shoulder_flex,
    elbow_flex, hip_flex, hip_abd, knee_flex, ankle_plantar}, trunk_flex, trunk_lat,
    body_pitch. Missing angles are 0 (standing, arms down)."""
    a = angles.get
    body = _rx(POSTURE_PITCH_DEG[posture] + a("body_pitch", 0.0))
    trunk = body @ _rx(-a("trunk_flex", 0.0)) @ _rz(a("trunk_lat", 0.0))
    p = np.zeros((N_JOINTS, 3))
    head = {
        Joint.NOSE: (0.0, -0.68, -0.10), Joint.LEFT_EYE_INNER: (0.015, -0.71, -0.09),
        Joint.LEFT_EYE: (0.032, -0.71, -0.085), Joint.LEFT_EYE_OUTER: (0.048, -0.71, -0.08),
        Joint.LEFT_EAR: (0.075, -0.70, -0.01), Joint.MOUTH_LEFT: (0.025, -0.645, -0.085),
    }  # fmt: skip
    for joint, xyz in head.items():
        p[joint] = trunk @ np.array(xyz)
        mirror = np.array(xyz) * np.array([-1.0, 1.0, 1.0])
        p[joint.mirrored] = trunk @ mirror
    for side, sign in (("left", 1.0), ("right", -1.0)):
        _arm(p, side, sign, trunk, angles)
        _leg(p, side, sign, body, angles)
    return p


def _arm(p: FloatArray, side: str, sign: float, trunk: FloatArray, g: dict[str, float]) -> None:
    up = side.upper()
    shoulder = trunk @ np.array([sign * 0.19, -0.50, 0.0])
    elbow, wrist, r2 = _limb(
        shoulder, trunk, g.get(f"{side}_shoulder_flex", 0.0), g.get(f"{side}_shoulder_abd", 0.0),
        g.get(f"{side}_elbow_flex", 0.0), sign, (UPPER_ARM, FOREARM), -1.0,
    )  # fmt: skip
    p[Joint[f"{up}_SHOULDER"]], p[Joint[f"{up}_ELBOW"]], p[Joint[f"{up}_WRIST"]] = (
        shoulder, elbow, wrist,
    )  # fmt: skip
    for name, offset in (("PINKY", (-0.02, HAND, 0.0)), ("INDEX", (0.02, HAND, -0.01)),
                         ("THUMB", (0.03, 0.04, -0.02))):  # fmt: skip
        p[Joint[f"{up}_{name}"]] = wrist + r2 @ (np.array(offset) * np.array([sign, 1, 1]))


def _leg(p: FloatArray, side: str, sign: float, body: FloatArray, g: dict[str, float]) -> None:
    up = side.upper()
    hip = body @ np.array([sign * 0.10, 0.0, 0.0])
    knee, ankle, r2 = _limb(
        hip, body, g.get(f"{side}_hip_flex", 0.0), g.get(f"{side}_hip_abd", 0.0),
        g.get(f"{side}_knee_flex", 0.0), sign, (THIGH, SHIN), 1.0,
    )  # fmt: skip
    foot = r2 @ _rx(g.get(f"{side}_ankle_plantar", 0.0))
    p[Joint[f"{up}_HIP"]], p[Joint[f"{up}_KNEE"]], p[Joint[f"{up}_ANKLE"]] = hip, knee, ankle
    p[Joint[f"{up}_HEEL"]] = ankle + foot @ np.array([0.0, 0.05, 0.05])
    p[Joint[f"{up}_FOOT_INDEX"]] = ankle + foot @ np.array([0.0, 0.07, -0.15])


def _side_angles(motion: Motion, u: float, side: Side) -> dict[str, float]:
    """Named angles for driver value u moving `side` (BOTH: both limbs)."""
    out: dict[str, float] = {}
    names = ("left", "right")
    own = [names[0]] if side is Side.LEFT else [names[1]] if side is Side.RIGHT else list(names)
    for key, value in motion.base.items():
        _put(out, key, value, own, names)
    for key, (coef, offset) in motion.moving.items():
        value = coef * u + offset
        if key in ("body_pitch", "trunk_flex", "trunk_lat"):
            out[key] = value
        else:
            _put(out, key, min(max(value, 0.0), 179.0), own, names)
    return out


def _put(
    out: dict[str, float], key: str, value: float, own: list[str], names: tuple[str, ...]
) -> None:
    if key in ("body_pitch", "trunk_flex", "trunk_lat"):
        out[key] = value
        return
    if key.startswith("other_"):
        for s in names:
            if s not in own:
                out[f"{s}_{key.removeprefix('other_')}"] = value
        if len(own) == 2:
            return
        return
    for s in own:
        out[f"{s}_{key}"] = value


_INVERSE_CACHE: dict[tuple[str, str, Side, str], tuple[FloatArray, FloatArray]] = {}
_U_GRID = np.arange(0.0, 180.5, 0.5)


def _measured_side(exercise: Exercise, side: Side) -> Side:
    return Side.LEFT if side is Side.BOTH else side


def _inverse(exercise: Exercise, motion: Motion, side: Side) -> tuple[FloatArray, FloatArray]:
    """(angles, u) sorted by angle: the primary angle reached for each driver value u,
    over the range from u = 0 where the angle changes monotonically."""
    key = (exercise.id, exercise.angle.model_dump_json(), side, repr(motion))
    if key in _INVERSE_CACHE:
        return _INVERSE_CACHE[key]
    world = np.array(
        [pose_from_angles(_side_angles(motion, u, side), motion.posture) for u in _U_GRID]
    )
    spec = exercise.angle.model_copy(update={"space": AngleSpace.WORLD, "fallback": None})
    vis = np.ones((len(_U_GRID), N_JOINTS))
    angles, _ = angle_series(world[:, :, :2], world, vis, spec, _measured_side(exercise, side))
    steps = np.sign(np.diff(angles))
    trend = steps[np.flatnonzero(steps)[0]] if np.any(steps) else 1.0
    stop = len(angles)
    for i, step in enumerate(steps):
        if step == -trend:
            stop = i + 1
            break
    a, u = angles[:stop], _U_GRID[:stop]
    order = np.argsort(a)
    result = (a[order], u[order])
    _INVERSE_CACHE[key] = result
    return result


def reachable_angles(exercise: Exercise, side: Side = Side.LEFT) -> tuple[float, float, float]:
    """(the counted angle in the starting pose, the lowest, the highest) that the figure can
    show by moving `side` as the exercise moves the body."""
    a, u = _inverse(exercise, motion_for(exercise), side)
    return float(a[int(np.argmin(u))]), float(a[0]), float(a[-1])


def rep_trajectory(
    n_reps: int,
    rest_deg: float,
    peak_deg: float,
    *,
    fps: float = 30.0,
    rep_s: float = 3.0,
    hold_s: float = 0.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.0,
    lead_out_s: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """(t_ms, angle_deg): `n_reps` smooth cycles rest -> peak (held `hold_s`) -> rest, each
    rise and fall taking rep_s / 2, with `rest_s` at rest between reps."""
    if n_reps < 0 or fps <= 0 or rep_s <= 0:
        raise ValueError("rep_trajectory: n_reps >= 0, fps > 0 and rep_s > 0 are required")
    dt = 1.0 / fps

    def flat(seconds: float, value: float) -> FloatArray:
        return np.full(max(0, round(seconds / dt)), value)

    def ramp(a: float, b: float) -> FloatArray:
        n = max(2, round(rep_s / 2 / dt))
        phase: FloatArray = (1 - np.cos(np.linspace(0, np.pi, n, endpoint=False))) / 2
        out: FloatArray = a + (b - a) * phase
        return out

    parts = [flat(lead_in_s, rest_deg)]
    for i in range(n_reps):
        parts += [ramp(rest_deg, peak_deg), flat(hold_s, peak_deg), ramp(peak_deg, rest_deg)]
        if i < n_reps - 1:
            parts.append(flat(rest_s, rest_deg))
    parts.append(flat(lead_out_s, rest_deg))
    angle = np.concatenate(parts)
    return np.arange(len(angle), dtype=np.float64) * dt * 1000.0, angle


def _project(
    world_body: FloatArray, view_yaw_deg: float, noise_px: float, noise_m: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """(image_xyz normalised, world_xyz metres) for (T,33,3) body-frame points."""
    cam = world_body @ _ry(view_yaw_deg).T
    width, height = IMAGE_SIZE
    depth = CAMERA_DISTANCE_M + cam[..., 2]
    u = width / 2 + FOCAL_PX * cam[..., 0] / depth
    v = height / 2 + FOCAL_PX * (cam[..., 1] - 0.08) / depth
    if noise_px > 0:
        u = u + rng.normal(0, noise_px, u.shape)
        v = v + rng.normal(0, noise_px, v.shape)
    z = cam[..., 2] * FOCAL_PX / (CAMERA_DISTANCE_M * width)
    image = np.stack([u / width, v / height, z], axis=-1)
    world = cam + (rng.normal(0, noise_m, cam.shape) if noise_m > 0 else 0.0)
    return image, world


def _visibility(world_cam_yaw: float, n: int) -> FloatArray:
    """BlazePose-like visibility: the far side's limbs fade as the body turns side-on
    (the left side faces the camera in oblique and side views)."""
    vis = np.full((n, N_JOINTS), 0.98)
    far = 0.15 + 0.83 * math.cos(math.radians(world_cam_yaw)) ** 2
    for joint in Joint:
        if joint.name.startswith("RIGHT_") and joint.value >= int(Joint.RIGHT_SHOULDER):
            vis[:, int(joint)] = far
    return vis


def stream_from_angles(
    exercise: Exercise,
    t_ms: FloatArray,
    angle_deg: FloatArray,
    sides: list[Side] | Side = Side.BOTH,
    *,
    view: CameraView = CameraView.FRONT,
    noise_px: float = 0.0,
    noise_m: float = 0.0,
    seed: int = 0,
) -> LandmarkStream:
    """A stream in which the exercise's primary angle follows `angle_deg` (NaN = nobody in
    the frame). `sides`: the limb moving at each frame, or one for all (BOTH = both)."""
    motion = motion_for(exercise)
    per_frame = sides if isinstance(sides, list) else [sides] * len(angle_deg)
    if len(per_frame) != len(angle_deg) or len(t_ms) != len(angle_deg):
        raise ValueError("t_ms, angle_deg and sides must have the same length")
    body = np.full((len(angle_deg), N_JOINTS, 3), np.nan)
    for i, (angle, side) in enumerate(zip(angle_deg.tolist(), per_frame, strict=True)):
        if math.isnan(angle):
            continue
        a, u = _inverse(exercise, motion, side)
        drive = float(np.interp(angle, a, u))
        body[i] = pose_from_angles(_side_angles(motion, drive, side), motion.posture)
    return stream_from_poses(
        body, t_ms, view=view, noise_px=noise_px, noise_m=noise_m, seed=seed,
        source=f"synthetic:{exercise.id}",
    )  # fmt: skip


def stream_from_poses(
    body: FloatArray,
    t_ms: FloatArray,
    *,
    view: CameraView = CameraView.FRONT,
    noise_px: float = 0.0,
    noise_m: float = 0.0,
    seed: int = 0,
    source: str = "synthetic",
) -> LandmarkStream:
    """A stream of the (T, 33, 3) body-frame poses `body` (from `pose_from_angles`; a NaN
    pose = nobody in the frame) filmed from `view`."""
    rng = np.random.default_rng(seed)
    yaw = VIEW_YAW_DEG[view]
    image, world = _project(body, yaw, noise_px, noise_m, rng)
    vis = _visibility(yaw, len(body))
    vis[np.isnan(body).any(axis=(1, 2))] = np.nan
    info = StreamInfo(
        fps=1000.0 / float(np.median(np.diff(t_ms))) if len(t_ms) > 1 else 30.0,
        source=source,
        model="synthetic",
        image_size=IMAGE_SIZE,
    )
    return LandmarkStream(info, np.asarray(t_ms, dtype=np.float64), image, world, vis)


def default_angles(exercise: Exercise, margin_deg: float = 15.0) -> tuple[float, float]:
    """(rest_deg, peak_deg) comfortably inside the exercise's rest and peak (or hold) zones."""
    if exercise.hold is not None:
        zone = exercise.hold.zone
        if zone.min_deg is not None and zone.max_deg is not None:
            inside = (zone.min_deg + zone.max_deg) / 2
            outside = max(zone.min_deg - 3 * margin_deg, 0.0)
            return (
                outside if zone.min_deg > 3 * margin_deg else zone.max_deg + 2 * margin_deg
            ), inside
        if zone.min_deg is not None:
            return max(zone.min_deg - 2 * margin_deg, 0.0), zone.min_deg + margin_deg
        assert zone.max_deg is not None
        return zone.max_deg + 2 * margin_deg, max(zone.max_deg - margin_deg, 0.0)
    d = exercise.direction()
    rest = exercise.rest_edge_deg() - d * margin_deg
    peak = exercise.peak_edge_deg() + d * margin_deg
    return min(max(rest, 0.0), 180.0), min(max(peak, 0.0), 180.0)


def synthetic_stream(
    exercise: Exercise,
    n_reps: int = 5,
    *,
    rom_deg: float | None = None,
    rest_deg: float | None = None,
    rep_s: float = 3.0,
    hold_s: float | None = None,
    rest_s: float = 1.0,
    fps: float = 30.0,
    view: CameraView | str | None = None,
    side: Side | None = None,
    noise_px: float = 0.0,
    noise_m: float = 0.0,
    seed: int = 0,
    lead_in_s: float = 1.0,
    lead_out_s: float = 1.0,
) -> LandmarkStream:
    """`n_reps` reps (or holds of `hold_s` seconds) of `exercise` as a landmark stream.

    rom_deg: the range from rest to peak (default: from inside the rest zone to 15 deg past
    the peak edge); rest_deg: where each rep starts; view: front/side/oblique (default the
    exercise's first recommended view); side: which limb moves (default: both for a
    bilateral exercise, alternating left/right for an alternating one, else left).
    """
    rest_default, peak_default = default_angles(exercise)
    rest = rest_default if rest_deg is None else rest_deg
    direction = 1.0 if exercise.is_hold else float(exercise.direction())
    if exercise.is_hold:
        direction = 1.0 if peak_default >= rest else -1.0
    peak = peak_default if rom_deg is None else rest + direction * rom_deg
    if exercise.is_hold and hold_s is None:
        hold_s = exercise.hold.target_s if exercise.hold else 0.0
    t_ms, angle = rep_trajectory(
        n_reps, rest, peak, fps=fps, rep_s=rep_s, hold_s=hold_s or 0.0, rest_s=rest_s,
        lead_in_s=lead_in_s, lead_out_s=lead_out_s,
    )  # fmt: skip
    chosen_view = CameraView(view) if view is not None else exercise.camera_views[0]
    sides = _side_pattern(exercise, side, t_ms, lead_in_s, rep_s + (hold_s or 0.0) + rest_s)
    return stream_from_angles(
        exercise, t_ms, angle, sides, view=chosen_view, noise_px=noise_px, noise_m=noise_m,
        seed=seed,
    )  # fmt: skip


def _side_pattern(
    exercise: Exercise, side: Side | None, t_ms: FloatArray, lead_in_s: float, cycle_s: float
) -> list[Side] | Side:
    if side is not None:
        return side
    if exercise.sides is SideMode.ALTERNATING:
        rep_no = np.maximum(0, (t_ms / 1000.0 - lead_in_s) // cycle_s).astype(int)
        return [Side.LEFT if n % 2 == 0 else Side.RIGHT for n in rep_no.tolist()]
    if exercise.sides is SideMode.RIGHT:
        return Side.RIGHT
    if exercise.sides is SideMode.BOTH:
        return Side.BOTH
    return Side.LEFT


def drop_frames(stream: LandmarkStream, indices: npt.ArrayLike) -> LandmarkStream:
    """The stream with nobody found in the frames at `indices` (all landmarks NaN)."""
    idx = np.asarray(indices, dtype=int)
    image, world, vis = stream.image_xyz.copy(), stream.world_xyz.copy(), stream.visibility.copy()
    image[idx], world[idx], vis[idx] = np.nan, np.nan, np.nan
    return replace(stream, image_xyz=image, world_xyz=world, visibility=vis)


def hide_joints(
    stream: LandmarkStream,
    joints: list[Joint],
    start_ms: float = -math.inf,
    end_ms: float = math.inf,
    seed: int = 0,
) -> LandmarkStream:
    """The stream with `joints` hidden between start_ms and end_ms, as BlazePose reports an
    occluded joint: low visibility and a position guessed wrong (moved by up to 15%)."""
    rng = np.random.default_rng(seed)
    rows = (stream.t_ms >= start_ms) & (stream.t_ms <= end_ms)
    image, world, vis = stream.image_xyz.copy(), stream.world_xyz.copy(), stream.visibility.copy()
    for joint in joints:
        j = int(joint)
        vis[rows, j] = 0.05
        image[rows, j, :2] += rng.uniform(-0.15, 0.15, (int(rows.sum()), 2))
        world[rows, j] += rng.uniform(-0.3, 0.3, (int(rows.sum()), 3))
    return replace(stream, image_xyz=image, world_xyz=world, visibility=vis)
