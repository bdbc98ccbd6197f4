"""Draw BlazePose's skeleton over a frame.

Joints under the visibility threshold are not drawn, nor the bones that touch them, so an
upper-body view shows only the upper body. The person's left side is drawn in orange and
the right in blue (`rehab.display`: the dashboard's charts and the reports use the same
colours), which makes a mirrored feed obvious.
"""

from __future__ import annotations

import cv2
import numpy as np

from rehab.core.landmarks import POSE_CONNECTIONS, Joint, PoseFrame
from rehab.display import joint_side, side_rgb

CENTRE_RGB = (235, 235, 235)  # the nose: light, to show on a dark picture
BONE_RGB = (245, 245, 245)


def _side_colour(joint: Joint) -> tuple[int, int, int]:
    side = joint_side(joint)
    return CENTRE_RGB if side is None else side_rgb(side)


JOINT_RGB = tuple(_side_colour(joint) for joint in Joint)


def visible_mask(frame: PoseFrame, min_visibility: float) -> np.ndarray:
    """(33,) True for the joints to draw."""
    vis = np.nan_to_num(frame.visibility, nan=-1.0)
    xy = frame.image_xyz[:, :2]
    return (vis >= min_visibility) & np.isfinite(xy).all(axis=1)


def draw_pose(rgb: np.ndarray, frame: PoseFrame, min_visibility: float = 0.5) -> np.ndarray:
    """A copy of `rgb` with the skeleton of `frame` drawn over it."""
    canvas = rgb.copy()
    if not frame.detected:
        return canvas
    height, width = canvas.shape[:2]
    scale = max(1, round(max(width, height) / 640))
    mask = visible_mask(frame, min_visibility)
    points = np.nan_to_num(frame.image_xyz[:, :2] * (width, height)).round().astype(int)
    for a, b in POSE_CONNECTIONS:
        if mask[a] and mask[b]:
            pa, pb = tuple(points[a]), tuple(points[b])
            cv2.line(canvas, pa, pb, BONE_RGB, 2 * scale, cv2.LINE_AA)
    for joint in Joint:
        if mask[joint]:
            centre = tuple(points[joint])
            cv2.circle(canvas, centre, 4 * scale, JOINT_RGB[joint], -1, cv2.LINE_AA)
            cv2.circle(canvas, centre, 4 * scale, (40, 40, 40), 1, cv2.LINE_AA)
    return canvas
