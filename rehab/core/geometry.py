"""Angles from landmarks: three-point joint angles and segment-to-vertical/horizontal angles.

Pure core (numpy + math only). Vectorised functions take arrays whose last axis holds the
coordinates (2 or 3) and return degrees; the `*_xyz` scalar helpers are for the live path,
where a numpy call per frame costs more than the arithmetic. NaN in, NaN out: never raises
on missing landmarks.

Coordinate conventions (BlazePose): image x to the right, y DOWN; world x to the subject's
right-as-seen, y DOWN, z away from the camera. "Vertical" is therefore the +y axis (down).
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Reference(StrEnum):
    """What a segment's angle is measured against."""

    VERTICAL = "vertical"  # 0 deg = segment pointing straight down (image/world +y)
    HORIZONTAL = "horizontal"  # 0 deg = segment level (either direction), 90 = vertical


def joint_angle_deg(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """The angle ABC at vertex `b` in degrees (0..180), element-wise over leading axes.

    Invariant to translation, rotation and uniform scale of the three points. NaN where any
    point is NaN or two points coincide.
    """
    ba = _as3(np.asarray(a, dtype=np.float64) - b)
    bc = _as3(np.asarray(c, dtype=np.float64) - b)
    dot = np.einsum("...i,...i->...", ba, bc)
    cross = np.linalg.norm(np.cross(ba, bc), axis=-1)
    short = np.minimum(np.linalg.norm(ba, axis=-1), np.linalg.norm(bc, axis=-1)) <= 1e-9
    # atan2(|u x v|, u . v) stays accurate near 0 and 180 degrees, where arccos does not
    result: FloatArray = np.where(short, np.nan, np.degrees(np.arctan2(cross, dot)))
    return result


def _as3(v: FloatArray) -> FloatArray:
    """2-D vectors padded with z = 0, so one formula serves image and world points."""
    if v.shape[-1] == 3:
        return v
    padded: FloatArray = np.concatenate([v, np.zeros((*v.shape[:-1], 1))], axis=-1)
    return padded


def segment_angle_deg(
    start: FloatArray, end: FloatArray, reference: Reference = Reference.VERTICAL
) -> FloatArray:
    """The angle in degrees between the segment start->end and the vertical (down) or the
    horizontal, element-wise. Vertical: 0 = pointing down, 90 = level, 180 = pointing up.
    Horizontal: 0 = level, 90 = vertical (up or down). Works in 2-D and 3-D.
    """
    seg = np.asarray(end, dtype=np.float64) - start
    down = np.zeros(seg.shape[-1])
    down[1] = 1.0
    length = np.linalg.norm(seg, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.where(
            length > 1e-12, seg @ down / np.where(length > 1e-12, length, 1.0), np.nan
        )
    from_down: FloatArray = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    if reference is Reference.VERTICAL:
        return from_down
    result: FloatArray = np.abs(90.0 - from_down)
    return result


def frontal_angle_deg(
    start: FloatArray, end: FloatArray, inner: FloatArray, outer: FloatArray
) -> FloatArray:
    """The angle in degrees of the segment start->end from the vertical (down), measured in
    the body's frontal plane: the vertical plane through the left-right axis inner->outer
    (e.g. the other hip -> this hip). Signed: positive when the segment leans outward
    (toward `outer`), negative when it crosses the midline. The segment's part along the
    direction the body faces (a forward swing) is left out, and so is a tilt of the axis
    itself (a pelvis hiked by the movement). 3-D points; NaN where undefined."""
    seg = np.asarray(end, dtype=np.float64) - start
    axis = _as3(np.asarray(outer, dtype=np.float64) - inner).copy()
    seg = _as3(seg)
    axis[..., 1] = 0.0  # level: the axis's own tilt is not the segment's angle
    norm = np.linalg.norm(axis, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lateral = np.einsum("...i,...i->...", seg, axis) / np.where(norm > 1e-12, norm, np.nan)
        angle = np.degrees(np.arctan2(lateral, seg[..., 1]))
    result: FloatArray = np.where(np.hypot(lateral, seg[..., 1]) > 1e-12, angle, np.nan)
    return result


def frontal_angle_xyz(
    start: tuple[float, float, float],
    end: tuple[float, float, float],
    inner: tuple[float, float, float],
    outer: tuple[float, float, float],
) -> float:
    """Scalar frontal_angle_deg for one frame; NaN when undefined."""
    ax, az = outer[0] - inner[0], outer[2] - inner[2]
    norm = math.hypot(ax, az)
    if not norm > 1e-12:
        return math.nan
    sx, sy, sz = end[0] - start[0], end[1] - start[1], end[2] - start[2]
    lateral = (sx * ax + sz * az) / norm
    if not math.hypot(lateral, sy) > 1e-12:
        return math.nan  # no part in the frontal plane (also catches NaN)
    return math.degrees(math.atan2(lateral, sy))


def joint_angle_xyz(
    ax: float,
    ay: float,
    az: float,
    bx: float,
    by: float,
    bz: float,
    cx: float,
    cy: float,
    cz: float,
) -> float:
    """Scalar joint_angle_deg for one frame (pass z=0 for 2-D); NaN when undefined."""
    ux, uy, uz = ax - bx, ay - by, az - bz
    vx, vy, vz = cx - bx, cy - by, cz - bz
    if not min(ux * ux + uy * uy + uz * uz, vx * vx + vy * vy + vz * vz) > 1e-18:
        return math.nan  # also catches NaN
    cx_, cy_, cz_ = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    cross = math.sqrt(cx_ * cx_ + cy_ * cy_ + cz_ * cz_)
    return math.degrees(math.atan2(cross, ux * vx + uy * vy + uz * vz))


def segment_angle_xyz(
    sx: float, sy: float, sz: float, ex: float, ey: float, ez: float, reference: Reference
) -> float:
    """Scalar segment_angle_deg for one frame (pass z=0 for 2-D); NaN when undefined."""
    dx, dy, dz = ex - sx, ey - sy, ez - sz
    length = math.sqrt(dx * dx + dy * dy + dz * dz)
    if not length > 1e-12:
        return math.nan
    from_down = math.degrees(math.acos(max(-1.0, min(1.0, dy / length))))
    if reference is Reference.VERTICAL:
        return from_down
    return abs(90.0 - from_down)


def shoulder_yaw_deg(left_shoulder: FloatArray, right_shoulder: FloatArray) -> FloatArray:
    """How far the shoulder line turns away from the image plane, 0 (facing the camera or
    facing away) to 90 (side-on), from world landmarks (x, z). NaN where unknown."""
    d = np.asarray(left_shoulder, dtype=np.float64) - right_shoulder
    yaw: FloatArray = np.degrees(np.arctan2(np.abs(d[..., 2]), np.abs(d[..., 0])))
    return yaw
