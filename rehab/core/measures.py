"""Turn landmarks into the numbers an exercise is judged on: angles and offsets.

Pure core. Two forms of the same formulas: `*_series` over a whole stream (numpy, offline)
and `FrameMeasurer` for one frame at a time (plain floats, fast enough for the live path);
tests check they agree.

Angle space `auto` (the default) measures on hybrid 3-D points: x and y from the image
(pixels, divided by the frame's pixels-per-metre so they share the world's unit) and depth z
from BlazePose's world landmarks. The image gives the most precise position across the
picture (it is what the model fits to pixels); the world landmarks give the only estimate of
depth. A limb moving in the image plane (abduction seen from the front) is measured on its
pixels; a limb swinging toward the camera (a curl seen from the front, abduction seen from
the side) gets its foreshortened part back from the world depth. Pure image angles fail for
the second case; pure world angles compress the range (BlazePose's 3-D model shrinks
extremes: on our clips, elbow flexion read 30-110 deg in world, 0-145 in the image).
The pixels-per-metre scale comes from the torso (shoulders and hips): image length over
world length in x-y.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rehab.core.exercise import AngleSpace, AngleSpec, OffsetSpec
from rehab.core.geometry import (
    frontal_angle_deg,
    frontal_angle_xyz,
    joint_angle_deg,
    joint_angle_xyz,
    segment_angle_deg,
    segment_angle_xyz,
    shoulder_yaw_deg,
)
from rehab.core.landmarks import Joint, PoseFrame
from rehab.core.results import Side

FloatArray = npt.NDArray[np.float64]

FAR_SIDE_MIN = 0.1
_TORSO = (
    (int(Joint.LEFT_SHOULDER), int(Joint.RIGHT_SHOULDER)),
    (int(Joint.LEFT_SHOULDER), int(Joint.LEFT_HIP)),
    (int(Joint.RIGHT_SHOULDER), int(Joint.RIGHT_HIP)),
)


def pixels_per_metre(image_px: FloatArray, world: FloatArray) -> FloatArray:
    """(T,) the image scale from the torso: pixel length over world x-y length."""
    px = sum(np.linalg.norm(image_px[:, a] - image_px[:, b], axis=-1) for a, b in _TORSO)
    metres = sum(np.linalg.norm(world[:, a, :2] - world[:, b, :2], axis=-1) for a, b in _TORSO)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale: FloatArray = np.where(metres > 1e-6, px / np.where(metres > 1e-6, metres, 1), np.nan)
    return scale


def hybrid_points(image_px: FloatArray, world: FloatArray) -> FloatArray:
    """(T,33,3): image x, y in metres (pixels / pixels_per_metre) with world depth z."""
    scale = pixels_per_metre(image_px, world)[:, None, None]
    out: FloatArray = np.concatenate([image_px / scale, world[:, :, 2:3]], axis=-1)
    return out


def angle_series(
    image_px: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    spec: AngleSpec,
    side: Side,
) -> tuple[FloatArray, FloatArray]:
    """(angle_deg, confidence) per frame for `spec` on `side`.

    image_px: (T,33,2) pixels; world: (T,33,3) metres; visibility: (T,33).
    confidence is the lowest visibility of the points involved (NaN: no person).
    """
    idx = [int(j) for j in spec.point_joints(side)]
    if spec.space is AngleSpace.WORLD:
        points = world
    elif spec.space is AngleSpace.IMAGE:
        points = image_px
    else:
        points = hybrid_points(image_px, world)
    pts = [points[:, i] for i in idx]
    if spec.kind == "joint":
        angle = joint_angle_deg(*pts)
    elif spec.lateral_axis is not None:
        inner, outer = (points[:, int(j)] for j in _joints(spec.lateral_axis, side))
        angle = frontal_angle_deg(pts[0], pts[1], inner, outer)
    else:
        angle = segment_angle_deg(pts[0], pts[1], spec.reference)
    if spec.flexion:
        angle = 180.0 - angle
    used = [int(j) for j in spec.joints(side)]
    confidence: FloatArray = visibility[:, used].min(axis=1)
    return angle, confidence


def visible_series(
    image_px: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    spec: AngleSpec | OffsetSpec,
    side: Side,
    min_visibility: float,
) -> tuple[FloatArray, FloatArray]:
    """(value, confidence) with NaN wherever a point is under `min_visibility`; an angle's
    `fallback` fills the frames where the angle itself is not visible."""
    if isinstance(spec, OffsetSpec):
        value, conf = offset_series(image_px, visibility, spec, side)
    else:
        value, conf = angle_series(image_px, world, visibility, spec, side)
    seen = np.nan_to_num(conf, nan=0.0) >= min_visibility
    value = np.where(seen, value, np.nan)
    if isinstance(spec, AngleSpec) and spec.fallback is not None and not seen.all():
        alt, alt_conf = visible_series(
            image_px, world, visibility, spec.fallback, side, min_visibility
        )
        value = np.where(seen, value, alt)
        conf = np.where(seen, conf, alt_conf)
    return value, conf


def gate_series(
    value: FloatArray, visibility: FloatArray, joints: Sequence[Joint], min_visibility: float
) -> FloatArray:
    """`value` with NaN on frames where any of `joints` is under `min_visibility`."""
    if not joints:
        return value
    seen = np.nan_to_num(visibility[:, [int(j) for j in joints]], nan=0.0).min(axis=1)
    gated: FloatArray = np.where(seen >= min_visibility, value, np.nan)
    return gated


def side_factors(world: FloatArray) -> dict[Side, FloatArray]:
    """Per frame, how much to trust each side's landmarks given the body's turn: 1 for the
    side nearer the camera, cos(turn) (at least FAR_SIDE_MIN) for the far side, which the
    camera sees through the body when the person stands side-on. world: (T,33,3)."""
    left = world[:, int(Joint.LEFT_SHOULDER)]
    right = world[:, int(Joint.RIGHT_SHOULDER)]
    yaw = shoulder_yaw_deg(left, right)
    far = np.nan_to_num(np.maximum(np.cos(np.radians(yaw)), FAR_SIDE_MIN), nan=1.0)
    left_far = left[:, 2] > right[:, 2]  # world z grows away from the camera
    return {
        Side.LEFT: np.where(left_far, far, 1.0),
        Side.RIGHT: np.where(left_far, 1.0, far),
        Side.BOTH: np.ones(len(world)),
    }


def side_factors_frame(frame: PoseFrame | FrameLists) -> tuple[float, dict[Side, float]]:
    """`side_factors` for one frame, with the body's turn (shoulder yaw, degrees)."""
    w = frame.world if isinstance(frame, FrameLists) else frame.world_xyz.tolist()
    left, right = w[_LS], w[_RS]
    yaw = math.atan2(abs(left[2] - right[2]), abs(left[0] - right[0]))
    if math.isnan(yaw):
        return math.nan, _NO_TURN
    far = max(math.cos(yaw), FAR_SIDE_MIN)
    if left[2] > right[2]:
        return math.degrees(yaw), {Side.LEFT: far, Side.RIGHT: 1.0, Side.BOTH: 1.0}
    return math.degrees(yaw), {Side.LEFT: 1.0, Side.RIGHT: far, Side.BOTH: 1.0}


_LS, _RS = int(Joint.LEFT_SHOULDER), int(Joint.RIGHT_SHOULDER)
_NO_TURN = {Side.LEFT: 1.0, Side.RIGHT: 1.0, Side.BOTH: 1.0}


def offset_series(
    image_px: FloatArray, visibility: FloatArray, spec: OffsetSpec, side: Side
) -> tuple[FloatArray, FloatArray]:
    """(offset in segment lengths, confidence) per frame for a landmark relation."""
    a, b = (int(Joint_) for Joint_ in _joints(spec.points, side))
    p, q = (int(Joint_) for Joint_ in _joints(spec.per, side))
    d = image_px[:, a] - image_px[:, b]
    unit = np.linalg.norm(image_px[:, p] - image_px[:, q], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if spec.axis == "up":
            value = -d[:, 1] / unit
        elif spec.axis == "lateral":
            value = np.abs(d[:, 0]) / unit
        else:
            facing = np.sign(image_px[:, int(Joint.NOSE), 0] - image_px[:, b, 0])
            value = d[:, 0] * facing / unit
    used = sorted({a, b, p, q})
    return value, visibility[:, used].min(axis=1)


def _joints(names: Sequence[str], side: Side) -> tuple[Joint, ...]:
    from rehab.core.exercise import resolve_joint

    return tuple(resolve_joint(n, side) for n in names)


@dataclass(frozen=True)
class FrameLists:
    """One frame's landmarks as plain lists (converted once, shared by every measurer)."""

    image_px: list[list[float]]  # 33 x [x, y] pixels
    world: list[list[float]]  # 33 x [x, y, z] metres
    visibility: list[float]  # 33
    px_per_m: float  # the torso's pixels per metre (NaN without a person)

    @classmethod
    def of(cls, frame: PoseFrame) -> FrameLists:
        width, height = frame.image_size
        img = (frame.image_xyz[:, :2] * (float(width), float(height))).tolist()
        world = frame.world_xyz.tolist()
        px = metres = 0.0
        for a, b in _TORSO:
            px += math.hypot(img[a][0] - img[b][0], img[a][1] - img[b][1])
            metres += math.hypot(world[a][0] - world[b][0], world[a][1] - world[b][1])
        scale = px / metres if metres > 1e-6 else math.nan
        return cls(img, world, frame.visibility.tolist(), scale)


class FrameMeasurer:
    """One angle (or offset) measured frame by frame with plain floats: the live path.

    Gives the same numbers as `visible_series` on the same landmarks: NaN where a point is
    under `min_visibility`, the angle's fallback where it has one.
    """

    def __init__(
        self, spec: AngleSpec | OffsetSpec, side: Side, min_visibility: float = 0.5
    ) -> None:
        self.spec = spec
        self.side = side
        self.min_visibility = min_visibility
        self._idx = [int(j) for j in _joints(spec.points, side)]
        self._per = (
            [int(j) for j in _joints(spec.per, side)] if isinstance(spec, OffsetSpec) else []
        )
        axis = spec.lateral_axis if isinstance(spec, AngleSpec) else None
        self._axis = [int(j) for j in _joints(axis, side)] if axis else []
        self._used = [*self._idx, *self._per, *self._axis]
        fallback = spec.fallback if isinstance(spec, AngleSpec) else None
        self._fallback = (
            FrameMeasurer(fallback, side, min_visibility) if fallback is not None else None
        )

    def __call__(self, frame: PoseFrame | FrameLists) -> tuple[float, float]:
        """(value, confidence) for one frame; NaN value when not visible."""
        data = frame if isinstance(frame, FrameLists) else FrameLists.of(frame)
        vis = data.visibility
        confidence = min([vis[i] for i in self._used])
        if not confidence >= self.min_visibility:
            if self._fallback is not None:
                value, alt = self._fallback(data)
                if not math.isnan(value):
                    return value, alt
            return math.nan, confidence
        if isinstance(self.spec, OffsetSpec):
            return self._offset(data.image_px, self.spec), confidence
        return self._angle(data, self.spec), confidence

    def _angle(self, data: FrameLists, spec: AngleSpec) -> float:
        if spec.space is AngleSpace.AUTO:  # the common case, inline: the live path is hot
            k = data.px_per_m
            img, world = data.image_px, data.world
            pts = [(img[i][0] / k, img[i][1] / k, world[i][2]) for i in self._idx]
        else:
            pts = [self._point(data, spec.space, i) for i in self._idx]
        if spec.kind == "joint":
            a, b, c = pts
            angle = joint_angle_xyz(a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2])
        elif self._axis:
            inner, outer = (self._point(data, spec.space, i) for i in self._axis)
            angle = frontal_angle_xyz(pts[0], pts[1], inner, outer)
        else:
            a, b = pts
            angle = segment_angle_xyz(a[0], a[1], a[2], b[0], b[1], b[2], spec.reference)
        return 180.0 - angle if spec.flexion else angle

    @staticmethod
    def _point(data: FrameLists, space: AngleSpace, i: int) -> tuple[float, float, float]:
        if space is AngleSpace.WORLD:
            x, y, z = data.world[i]
            return x, y, z
        if space is AngleSpace.IMAGE:
            return data.image_px[i][0], data.image_px[i][1], 0.0
        k = data.px_per_m
        return data.image_px[i][0] / k, data.image_px[i][1] / k, data.world[i][2]

    def _offset(self, img: list[list[float]], spec: OffsetSpec) -> float:
        a, b = self._idx
        p, q = self._per
        dx, dy = img[a][0] - img[b][0], img[a][1] - img[b][1]
        unit = math.hypot(img[p][0] - img[q][0], img[p][1] - img[q][1])
        if not unit > 0:
            return math.nan
        if spec.axis == "up":
            return -dy / unit
        if spec.axis == "lateral":
            return abs(dx) / unit
        facing = img[int(Joint.NOSE)][0] - img[b][0]
        sign = (facing > 0) - (facing < 0)
        return dx * sign / unit
