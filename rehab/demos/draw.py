"""Draw one frame of a demonstration (Pillow, drawn at twice the size and scaled down so
lines are smooth; DejaVu for accents and the degree sign).

The frame: a title band (the exercise's name, the count), the figure (far limbs paler,
nearer ones drawn over them, the counted angle's sides, arc and value in orange, a floor, a
chair when seated) and a gauge band (the rest and peak zones, a marker at the angle now).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from rehab.core.exercise import AngleSpec, resolve_joint
from rehab.core.landmarks import Joint
from rehab.core.results import Side
from rehab.demos.scene import DemoFrame, DemoScene
from rehab.reports.pdf import dejavu_paths

FloatArray = npt.NDArray[np.float64]
Colour = tuple[int, ...]
SS = 2  # supersampling
TITLE_PX, GAUGE_PX = 56, 50
BACKGROUND, INK, MUTED = (255, 255, 255), (33, 37, 41), (108, 117, 125)
NEAR, FAR, TORSO = (74, 90, 110), (170, 180, 192), (95, 111, 132)
ACCENT, ACCENT_DARK, ACCENT_FILL = (232, 119, 46), (190, 85, 20), (232, 119, 46, 70)
FLOOR, SEAT = (222, 226, 230), (185, 166, 139)
REST_BAND, PEAK_BAND = (206, 212, 218), (140, 200, 150)

J = Joint
_LIMBS: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    ("ARM", (("SHOULDER", "ELBOW", 0.09), ("ELBOW", "WRIST", 0.075), ("WRIST", "INDEX", 0.05))),
    (
        "LEG",
        (
            ("HIP", "KNEE", 0.13), ("KNEE", "ANKLE", 0.10), ("ANKLE", "HEEL", 0.06),
            ("HEEL", "FOOT_INDEX", 0.06), ("ANKLE", "FOOT_INDEX", 0.06),
        ),
    ),
)  # fmt: skip
HEAD_M, NECK_M, ARC_M = 0.11, 0.07, 0.15


@functools.cache
def font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(dejavu_paths()["B" if bold else ""]), size_px)


def frame_size(scene: DemoScene) -> tuple[int, int]:
    width, height = scene.size
    return width, TITLE_PX + height + GAUGE_PX


class DemoDrawer:
    """Draws the frames of one scene; the angle's label keeps one place beside the joint
    for the whole demonstration (where it covers the least of the body)."""

    def __init__(self, scene: DemoScene) -> None:
        self.scene = scene
        self.label_deg = self._label_direction()

    def draw(self, frame: DemoFrame) -> Image.Image:
        """The frame as an RGB image of `frame_size(scene)`."""
        image, pts = self._base(frame)
        image = _angle(image, self.scene, frame, pts, self.label_deg)
        width, height = frame_size(self.scene)
        _gauge(ImageDraw.Draw(image), self.scene, frame, width, height)
        return image.convert("RGB").reduce(SS)

    def _base(self, frame: DemoFrame) -> tuple[Image.Image, FloatArray]:
        width, height = frame_size(self.scene)
        image = Image.new("RGBA", (width * SS, height * SS), (*BACKGROUND, 255))
        pen = ImageDraw.Draw(image)
        _title(pen, self.scene, frame, width)
        pts = frame.points.copy()
        pts[:, 1] += TITLE_PX
        _ground(pen, self.scene, width)
        _body(pen, pts, self.scene.pixels_per_m)
        return image, pts

    def _label_direction(self) -> float:
        """Of eight directions from the joint, the one whose label box covers least of the
        body over the start, the middle of the lift and the peak."""
        scene = self.scene
        start, peak = scene.still_indices()
        samples = [scene.frames[i] for i in (start, (start + peak) // 2, peak)]
        cost = dict.fromkeys(range(0, 360, 45), 0.0)
        for frame in samples:
            image, pts = self._base(frame)
            grey = np.asarray(image.convert("L"))
            vertex = _rays(scene.exercise.angle, frame.side, pts, _arc_px(scene) / SS)[0]
            if np.isnan(vertex).any():
                continue
            w, h = _label_size(ImageDraw.Draw(image), scene, frame)
            for deg in cost:
                box = _label_box(scene, _xy(vertex), deg, _arc_px(scene), w, h)
                x0, y0, x1, y1 = (round(v) for v in box[0])
                cost[deg] += float(np.mean(grey[y0:y1, x0:x1] < 250)) + (2.0 if box[1] else 0.0)
        return float(min(cost, key=lambda d: cost[d]))


def draw_frame(scene: DemoScene, frame: DemoFrame) -> Image.Image:
    """One frame alone (a still); for many frames of one scene use `DemoDrawer`."""
    return DemoDrawer(scene).draw(frame)


def _xy(p: FloatArray) -> tuple[float, float]:
    return float(p[0]) * SS, float(p[1]) * SS


def _title(pen: ImageDraw.ImageDraw, scene: DemoScene, frame: DemoFrame, width: int) -> None:
    pen.text((12 * SS, 6 * SS), scene.exercise.name, font=font(17 * SS, True), fill=INK)
    pen.text((12 * SS, 32 * SS), scene.caption, font=font(12 * SS), fill=MUTED)
    pen.text(
        ((width - 12) * SS, 8 * SS), frame.count, font=font(15 * SS, True), fill=ACCENT_DARK,
        anchor="ra",
    )  # fmt: skip


def _ground(pen: ImageDraw.ImageDraw, scene: DemoScene, width: int) -> None:
    y = (scene.floor_y + TITLE_PX) * SS
    pen.rectangle((0, y, width * SS, y + 6 * SS), fill=FLOOR)
    if scene.seat is not None:
        x0, y0, x1, _ = scene.seat
        pen.rounded_rectangle(
            (x0 * SS, (y0 + TITLE_PX) * SS, x1 * SS, (y0 + TITLE_PX + 8) * SS), 3 * SS, fill=SEAT
        )
        for x in (x0 + 4, x1 - 4):
            pen.line(((x * SS, (y0 + TITLE_PX + 8) * SS), (x * SS, y)), fill=SEAT, width=5 * SS)


def _segment(
    pen: ImageDraw.ImageDraw, a: FloatArray, b: FloatArray, width_px: float, colour: Colour
) -> None:
    if np.isnan(a).any() or np.isnan(b).any():
        return
    w = max(2, round(width_px * SS))
    pen.line((_xy(a), _xy(b)), fill=colour, width=w)
    for p in (a, b):
        x, y = _xy(p)
        pen.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=colour)


def _body(pen: ImageDraw.ImageDraw, pts: FloatArray, ppm: float) -> None:
    """Limbs far to near around the torso; paler when behind it."""
    torso_idx = [int(J.LEFT_SHOULDER), int(J.RIGHT_SHOULDER), int(J.RIGHT_HIP), int(J.LEFT_HIP)]
    torso_z = float(np.nanmean(pts[torso_idx, 2]))
    limbs: list[tuple[float, int, int, float]] = []  # (depth, joint a, joint b, width m)
    for side in ("LEFT", "RIGHT"):
        for _, segments in _LIMBS:
            for a, b, width_m in segments:
                ia, ib = int(Joint[f"{side}_{a}"]), int(Joint[f"{side}_{b}"])
                limbs.append((float(np.mean(pts[[ia, ib], 2])), ia, ib, width_m))
    limbs.sort(key=lambda limb: -limb[0])
    behind = [limb for limb in limbs if limb[0] >= torso_z]
    for depth, ia, ib, width_m in behind:
        colour = FAR if depth > torso_z + 0.01 else NEAR
        _segment(pen, pts[ia], pts[ib], width_m * ppm, colour)
    _torso(pen, pts, ppm)
    for _, ia, ib, width_m in limbs[len(behind) :]:
        _segment(pen, pts[ia], pts[ib], width_m * ppm, NEAR)


def _torso(pen: ImageDraw.ImageDraw, pts: FloatArray, ppm: float) -> None:
    ls, rs, lh, rh = (
        pts[int(j)] for j in (J.LEFT_SHOULDER, J.RIGHT_SHOULDER, J.LEFT_HIP, J.RIGHT_HIP)
    )
    pen.polygon([_xy(ls), _xy(rs), _xy(rh), _xy(lh)], fill=TORSO)
    _segment(pen, (ls + rs) / 2, (lh + rh) / 2, 0.16 * ppm, TORSO)
    _segment(pen, ls, lh, 0.1 * ppm, TORSO)
    _segment(pen, rs, rh, 0.1 * ppm, TORSO)
    head = (pts[int(J.LEFT_EAR)] + pts[int(J.RIGHT_EAR)]) / 2
    _segment(pen, (ls + rs) / 2, head, NECK_M * ppm, TORSO)
    x, y = _xy(head)
    r = HEAD_M * ppm * SS
    pen.ellipse((x - r, y - r, x + r, y + r), fill=NEAR)


def _direction_deg(frm: FloatArray, to: FloatArray) -> float:
    """Clockwise from 3 o'clock, as Pillow's arcs count (y points down)."""
    return math.degrees(math.atan2(float(to[1] - frm[1]), float(to[0] - frm[0]))) % 360


def _rays(
    spec: AngleSpec, side: Side, pts: FloatArray, reach: float
) -> tuple[FloatArray, float, float, list[tuple[FloatArray, FloatArray, bool]]]:
    """(vertex, first ray, second ray in degrees, accent lines [(a, b, dashed)])."""
    j = [pts[int(resolve_joint(p, side))] for p in spec.points]
    if spec.kind == "joint":
        vertex = j[1]
        if spec.flexion:  # measured from the first segment carried on past the joint
            along = (vertex - j[0]) / max(float(np.linalg.norm(vertex[:2] - j[0][:2])), 1e-6)
            beyond = vertex + along * 1.4 * reach
            lines = [(j[0], vertex, False), (vertex, j[2], False), (vertex, beyond, True)]
            return vertex, _direction_deg(vertex, beyond), _direction_deg(vertex, j[2]), lines
        lines = [(vertex, j[0], False), (vertex, j[2], False)]
        return vertex, _direction_deg(vertex, j[0]), _direction_deg(vertex, j[2]), lines
    vertex, end = j[0], j[1]
    length = float(np.linalg.norm(end[:2] - vertex[:2]))
    if spec.reference.value == "vertical":
        ref = vertex + np.array([0.0, length, 0.0])
    else:
        ref = vertex + np.array([math.copysign(length, float(end[0] - vertex[0])), 0.0, 0.0])
    lines = [(vertex, end, False), (vertex, ref, True)]
    return vertex, _direction_deg(vertex, ref), _direction_deg(vertex, end), lines


def _arc_px(scene: DemoScene) -> float:
    return max(18.0, ARC_M * scene.pixels_per_m) * SS


def _angle(
    image: Image.Image, scene: DemoScene, frame: DemoFrame, pts: FloatArray, label_deg: float
) -> Image.Image:
    vertex, first, second, lines = _rays(scene.exercise.angle, frame.side, pts, _arc_px(scene) / SS)
    if np.isnan(vertex).any():
        return image
    start, end = (first, second) if (second - first) % 360 <= 180 else (second, first)
    r = _arc_px(scene)
    x, y = _xy(vertex)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    layer = ImageDraw.Draw(overlay)
    layer.pieslice((x - r, y - r, x + r, y + r), start, end, fill=ACCENT_FILL)
    image = Image.alpha_composite(image, overlay)
    pen = ImageDraw.Draw(image)
    for a, b, dashed in lines:
        _accent_line(pen, a, b, dashed)
    pen.arc((x - r, y - r, x + r, y + r), start, end, fill=ACCENT_DARK, width=2 * SS)
    _label(pen, scene, frame, (x, y), label_deg, r)
    return image


def _accent_line(pen: ImageDraw.ImageDraw, a: FloatArray, b: FloatArray, dashed: bool) -> None:
    if np.isnan(a).any() or np.isnan(b).any():
        return
    (x0, y0), (x1, y1) = _xy(a), _xy(b)
    if not dashed:
        pen.line(((x0, y0), (x1, y1)), fill=ACCENT, width=3 * SS)
        return
    n = max(2, int(math.hypot(x1 - x0, y1 - y0) / (8 * SS)))
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    for i in range(0, n, 2):
        dash = ((x0 + dx * i, y0 + dy * i), (x0 + dx * (i + 1), y0 + dy * (i + 1)))
        pen.line(dash, fill=ACCENT_DARK, width=2 * SS)


def _label_text(scene: DemoScene, frame: DemoFrame) -> str:
    value = "–" if math.isnan(frame.angle_deg) else f"{round(frame.angle_deg) + 0:d}°"
    return f"{scene.angle_label} {value}"


def _label_size(
    pen: ImageDraw.ImageDraw, scene: DemoScene, frame: DemoFrame
) -> tuple[float, float]:
    left, top, right, bottom = pen.textbbox(
        (0, 0), _label_text(scene, frame), font=font(13 * SS, True)
    )
    return right - left + 12 * SS, bottom - top + 8 * SS


def _label_box(
    scene: DemoScene, at: tuple[float, float], deg: float, r: float, w: float, h: float
) -> tuple[tuple[float, float, float, float], bool]:
    """(the label's box, whether it had to be pushed back inside the figure)."""
    distance = (
        r
        + 8 * SS
        + abs(math.cos(math.radians(deg))) * w / 2
        + abs(math.sin(math.radians(deg))) * h / 2
    )
    cx = at[0] + distance * math.cos(math.radians(deg))
    cy = at[1] + distance * math.sin(math.radians(deg))
    width, height = scene.size
    x = min(max(cx, w / 2 + 4 * SS), width * SS - w / 2 - 4 * SS)
    y = min(max(cy, (TITLE_PX + 4) * SS + h / 2), (TITLE_PX + height - 4) * SS - h / 2)
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2), (x, y) != (cx, cy)


def _label(
    pen: ImageDraw.ImageDraw, scene: DemoScene, frame: DemoFrame, at: tuple[float, float],
    deg: float, r: float,
) -> None:  # fmt: skip
    w, h = _label_size(pen, scene, frame)
    box, _ = _label_box(scene, at, deg, r, w, h)
    pen.rounded_rectangle(box, 5 * SS, fill=(255, 255, 255), outline=ACCENT, width=2 * SS)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    pen.text(
        centre, _label_text(scene, frame), font=font(13 * SS, True), fill=ACCENT_DARK, anchor="mm"
    )


def _gauge(
    pen: ImageDraw.ImageDraw, scene: DemoScene, frame: DemoFrame, width: int, height: int
) -> None:
    lo, hi = _gauge_range(scene)
    x0, x1 = 16 * SS, (width - 16) * SS
    y = (height - GAUGE_PX + 10) * SS
    band = 16 * SS

    def at(deg: float) -> float:
        return x0 + (x1 - x0) * (min(max(deg, lo), hi) - lo) / (hi - lo)

    pen.rectangle((x0, y, x1, y + band), fill=(241, 243, 245))
    for n, (zone, word) in enumerate(scene.zones):
        a = at(zone.min_deg if zone.min_deg is not None else lo)
        b = at(zone.max_deg if zone.max_deg is not None else hi)
        colour = REST_BAND if n == 0 and len(scene.zones) > 1 else PEAK_BAND
        pen.rectangle((a, y, b, y + band), fill=colour)
        pen.text(((a + b) / 2, y + band / 2), word, font=font(10 * SS), fill=INK, anchor="mm")
        for edge in (zone.min_deg, zone.max_deg):
            if edge is not None:
                pen.text(
                    (at(edge), y + band + 2 * SS),
                    f"{edge:g}°",
                    font=font(9 * SS),
                    fill=MUTED,
                    anchor="ma",
                )
    if not math.isnan(frame.angle_deg):
        m = at(frame.angle_deg)
        pen.polygon(
            [(m, y - 1 * SS), (m - 6 * SS, y - 9 * SS), (m + 6 * SS, y - 9 * SS)], fill=ACCENT_DARK
        )
        pen.line(((m, y), (m, y + band)), fill=ACCENT_DARK, width=3 * SS)


def _gauge_range(scene: DemoScene) -> tuple[float, float]:
    values = [f.angle_deg for f in scene.frames if not math.isnan(f.angle_deg)]
    for zone, _ in scene.zones:
        values += [v for v in (zone.min_deg, zone.max_deg) if v is not None]
    lo = math.floor(min(values) / 10) * 10 - 10
    hi = math.ceil(max(values) / 10) * 10 + 10
    return float(lo), float(hi)
