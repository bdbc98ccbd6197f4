"""How figures and sides look to a person, the same in every view: the dashboard's charts,
the skeleton drawn on pictures and the live overlay, and the PDF and HTML reports.

Pure (no UI library): each view imports these rules instead of writing its own.
- Sides: the person's left in orange, the right in blue (as MediaPipe draws them), so a
  mirrored picture is obvious and a chart's colours match the skeleton's.
- Percentages: values named `*_pct` are percentages (0-100); `pct` writes them, whole.
"""

from __future__ import annotations

import math

from rehab.core.landmarks import Joint
from rehab.core.results import Side

DASH = "—"  # a figure that is unknown or not measured

SIDE_HEX = {Side.LEFT: "#ff8a00", Side.RIGHT: "#0a84d6", Side.BOTH: "#4a4a6a"}


def side_hex(side: Side) -> str:
    """'#rrggbb' for charts (plotly, matplotlib) and web pages."""
    return SIDE_HEX[side]


def side_rgb(side: Side) -> tuple[int, int, int]:
    """(r, g, b) 0-255 for pictures drawn with OpenCV (RGB frames)."""
    code = SIDE_HEX[side].lstrip("#")
    red, green, blue = (int(code[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def joint_side(joint: Joint) -> Side | None:
    """The side a landmark is on (None on the midline: the nose), for its colour."""
    if joint.name.startswith("LEFT_"):
        return Side.LEFT
    if joint.name.startswith("RIGHT_"):
        return Side.RIGHT
    return None


def percent_of(part: float, whole: float | None) -> float | None:
    """`part` as a percentage of `whole` (done of prescribed); None without a whole."""
    return 100.0 * part / whole if whole else None


def pct(value_pct: float | None) -> str:
    """A percentage, whole: 66.6 -> '67%'; None or NaN -> '—'."""
    if value_pct is None or math.isnan(value_pct):
        return DASH
    return f"{value_pct:.0f}%"
