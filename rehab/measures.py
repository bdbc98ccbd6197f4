"""Turn landmarks into the numbers an exercise is judged on: angles and offsets.

Pure core. Two forms of the same formulas: `*_series` over a whole stream (numpy, offline)
and `FrameMeasurer` for one frame at a time (plain floats, fast enough for the live path);
tests check they agree.

Angle space `auto` (the default): the image angle where both segments lie close to the
image plane (the pixel measurement has no depth guess in it), BlazePose's 3-D world angle
where a segment points toward or away from the camera (the image angle is foreshortened
there), and a linear blend in between. How far a segment leaves the image plane is read from
the world landmarks: planarity = |(dx, dy)| / |(dx, dy, dz)|.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rehab.exercise import AngleSpace, AngleSpec, OffsetSpec
from rehab.geometry import (
    joint_angle_deg,
    joint_angle_xyz,
    segment_angle_deg,
    segment_angle_xyz,
    shoulder_yaw_deg,
)
from rehab.landmarks import Joint, PoseFrame
from rehab.results import Side

FloatArray = npt.NDArray[np.float64]

# Planarity at or above FULL -> pure image angle; at or below NONE -> pure world angle.
PLANARITY_FULL = 0.95
PLANARITY_NONE = 0.75
FAR_SIDE_MIN = 0.1


def _image_weight(planarity: FloatArray) -> FloatArray:
    w: FloatArray = np.clip(
        (planarity - PLANARITY_NONE) / (PLANARITY_FULL - PLANARITY_NONE), 0.0, 1.0
    )
    return w


def _planarity(world: FloatArray, a: int, b: int) -> FloatArray:
    d = world[..., b, :] - world[..., a, :]
    full = np.linalg.norm(d, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p: FloatArray = np.linalg.norm(d[..., :2], axis=-1) / full
    return p


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
    idx = [int(j) for j in spec.joints(side)]
    pts_w = [world[:, i] for i in idx]
    pts_i = [image_px[:, i] for i in idx]
    if spec.kind == "joint":
        angle_w = joint_angle_deg(*pts_w)
        angle_i = joint_angle_deg(*pts_i)
        planar = np.fmin(_planarity(world, idx[0], idx[1]), _planarity(world, idx[1], idx[2]))
    else:
        angle_w = segment_angle_deg(pts_w[0], pts_w[1], spec.reference)
        angle_i = segment_angle_deg(pts_i[0], pts_i[1], spec.reference)
        planar = _planarity(world, idx[0], idx[1])
    if spec.space is AngleSpace.WORLD:
        angle = angle_w
    elif spec.space is AngleSpace.IMAGE:
        angle = angle_i
    else:
        w = _image_weight(planar)
        angle = np.where(np.isfinite(w), w * angle_i + (1.0 - w) * angle_w, angle_i)
    if spec.flexion:
        angle = 180.0 - angle
    confidence: FloatArray = visibility[:, idx].min(axis=1)
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


def side_factors_frame(frame: PoseFrame | FrameLists) -> dict[Side, float]:
    """`side_factors` for one frame."""
    w = frame.world if isinstance(frame, FrameLists) else frame.world_xyz.tolist()
    left, right = w[int(Joint.LEFT_SHOULDER)], w[int(Joint.RIGHT_SHOULDER)]
    yaw = math.atan2(abs(left[2] - right[2]), abs(left[0] - right[0]))
    if math.isnan(yaw):
        return {Side.LEFT: 1.0, Side.RIGHT: 1.0, Side.BOTH: 1.0}
    far = max(math.cos(yaw), FAR_SIDE_MIN)
    left_far = left[2] > right[2]
    return {
        Side.LEFT: far if left_far else 1.0,
        Side.RIGHT: 1.0 if left_far else far,
        Side.BOTH: 1.0,
    }


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
    from rehab.exercise import resolve_joint

    return tuple(resolve_joint(n, side) for n in names)


def _weight(planarity: float) -> float:
    return min(1.0, max(0.0, (planarity - PLANARITY_NONE) / (PLANARITY_FULL - PLANARITY_NONE)))


def _planar(w: list[list[float]], a: int, b: int) -> float:
    dx, dy, dz = w[b][0] - w[a][0], w[b][1] - w[a][1], w[b][2] - w[a][2]
    full = math.sqrt(dx * dx + dy * dy + dz * dz)
    return math.sqrt(dx * dx + dy * dy) / full if full > 1e-12 else math.nan


@dataclass(frozen=True)
class FrameLists:
    """One frame's landmarks as plain lists (converted once, shared by every measurer)."""

    image_px: list[list[float]]  # 33 x [x, y] pixels
    world: list[list[float]]  # 33 x [x, y, z] metres
    visibility: list[float]  # 33

    @classmethod
    def of(cls, frame: PoseFrame) -> FrameLists:
        width, height = frame.image_size
        img = frame.image_xyz.tolist()
        return cls(
            image_px=[[p[0] * width, p[1] * height] for p in img],
            world=frame.world_xyz.tolist(),
            visibility=frame.visibility.tolist(),
        )


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
        self._used = [*self._idx, *self._per]
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
        w, img = data.world, data.image_px
        if spec.kind == "joint":
            a, b, c = self._idx
            wa, wb, wc, ia, ib, ic = w[a], w[b], w[c], img[a], img[b], img[c]
            angle_w = joint_angle_xyz(wa[0], wa[1], wa[2], wb[0], wb[1], wb[2], wc[0], wc[1], wc[2])
            angle_i = joint_angle_xyz(ia[0], ia[1], 0.0, ib[0], ib[1], 0.0, ic[0], ic[1], 0.0)
            p1, p2 = _planar(w, a, b), _planar(w, b, c)
            planar = math.nan if math.isnan(p1) or math.isnan(p2) else min(p1, p2)
        else:
            a, b = self._idx
            wa, wb, ia, ib = w[a], w[b], img[a], img[b]
            ref = spec.reference
            angle_w = segment_angle_xyz(wa[0], wa[1], wa[2], wb[0], wb[1], wb[2], ref)
            angle_i = segment_angle_xyz(ia[0], ia[1], 0.0, ib[0], ib[1], 0.0, ref)
            planar = _planar(w, a, b)
        if spec.space is AngleSpace.WORLD:
            angle = angle_w
        elif spec.space is AngleSpace.IMAGE or math.isnan(planar):
            angle = angle_i
        else:
            weight = _weight(planar)
            angle = weight * angle_i + (1.0 - weight) * angle_w
        return 180.0 - angle if spec.flexion else angle

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
