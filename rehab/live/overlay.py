"""The live overlay: skeleton, big rep and set counts, one cue, hold and rest timers.

Drawn with OpenCV on the RGB frame. The picture can be shown mirrored (as patients expect
from a webcam) without touching the counts: the skeleton is drawn first, then the picture
is flipped, then the text is written so it stays readable.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from rehab.core.landmarks import PoseFrame
from rehab.core.results import Severity, Side
from rehab.display import side_rgb
from rehab.i18n import N_
from rehab.live.flow import LiveStatus, Phase
from rehab.pose.drawing import draw_pose

Image = npt.NDArray[np.uint8]  # (H, W, 3) RGB

FONT = cv2.FONT_HERSHEY_DUPLEX
WHITE = (255, 255, 255)
PANEL = (20, 30, 45)
GREEN = (40, 170, 80)
AMBER = (255, 190, 40)
RED = (230, 60, 60)
CONTROLS_SHARE = 0.16  # of the height: Chromium's controls bar on a phone-sized video
_CUE_COLOURS = {Severity.INFO: WHITE, Severity.WARNING: AMBER, Severity.CRITICAL: RED}


REPETITIONS = N_("repetitions")
OF_REPETITIONS = N_("of {target} repetitions")
SECONDS_HELD = N_("seconds held, of {target}")
SET_OF = N_("Set {set} of {sets}")
EACH_SIDE = N_("{count}, each side")
SIDE_COUNT = {Side.LEFT: N_("left {reps}"), Side.RIGHT: N_("right {reps}")}
REST = N_("Rest {seconds}")
SET_DONE = N_("Set done")
ALL_DONE = N_("All sets done")
Gettext = Callable[[str], str]


def _same(message: str) -> str:
    return message


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: accents are dropped ('Mantén' -> 'Manten')."""
    folded = unicodedata.normalize("NFKD", text.replace("°", " deg"))
    return folded.encode("ascii", "ignore").decode("ascii")


def _text(
    canvas: Image, text: str, org: tuple[int, int], scale: float, colour: tuple[int, ...]
) -> None:
    thick = max(1, round(scale * 2))
    cv2.putText(canvas, _ascii(text), org, FONT, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(canvas, _ascii(text), org, FONT, scale, colour, thick, cv2.LINE_AA)


def _panel(canvas: Image, top_left: tuple[int, int], bottom_right: tuple[int, int]) -> None:
    """A translucent dark box behind text."""
    x0, y0 = max(0, top_left[0]), max(0, top_left[1])
    x1, y1 = min(canvas.shape[1], bottom_right[0]), min(canvas.shape[0], bottom_right[1])
    if x1 <= x0 or y1 <= y0:
        return
    region = canvas[y0:y1, x0:x1]
    shade = np.empty_like(region)
    shade[:] = PANEL
    region[:] = cv2.addWeighted(region, 0.35, shade, 0.65, 0.0)


def _count_text(status: LiveStatus, _: Gettext) -> tuple[str, str]:
    if status.hold_target_s is not None:
        return str(int(status.hold_s)), _(SECONDS_HELD).format(target=round(status.hold_target_s))
    if status.target_reps is None:
        label = _(REPETITIONS)
    else:
        label = _(OF_REPETITIONS).format(target=status.target_reps)
    if len(status.reps_by_side) > 1:
        label = _(EACH_SIDE).format(count=label)
    return str(status.reps), label


def _draw_counts(canvas: Image, status: LiveStatus, u: float, _: Gettext) -> None:
    big, label = _count_text(status, _)
    by_side = status.reps_by_side
    _panel(canvas, (0, 0), (int(250 * u), int((174 if by_side else 150) * u)))
    _text(canvas, big, (int(14 * u), int(88 * u)), 2.6 * u, WHITE)
    _text(canvas, label, (int(14 * u), int(116 * u)), 0.6 * u, WHITE)
    set_of = _(SET_OF).format(set=status.set_index, sets=status.sets)
    _text(canvas, set_of, (int(14 * u), int(140 * u)), 0.6 * u, WHITE)
    x = int(14 * u)
    for side, reps in by_side:  # each limb's count, in the skeleton's colour for that side
        words = _(SIDE_COUNT.get(side, "{reps}")).format(reps=reps) + "  "
        _text(canvas, words, (x, int(164 * u)), 0.6 * u, side_rgb(side))
        x += cv2.getTextSize(_ascii(words), FONT, 0.6 * u, max(1, round(1.2 * u)))[0][0]


def _draw_message(canvas: Image, text: str, colour: tuple[int, ...], u: float) -> None:
    """The cue, above the band at the bottom where the browser draws the video's controls
    (play, volume, full screen), which would hide its last line on a phone or tablet."""
    height, width = canvas.shape[:2]
    chars = max(12, int(width / (17 * u)))
    lines = textwrap.wrap(_ascii(text), chars)[:3]
    line_h = int(32 * u)
    bottom = height - int(height * CONTROLS_SHARE)
    top = bottom - line_h * len(lines) - int(14 * u)
    _panel(canvas, (0, top - int(8 * u)), (width, bottom))
    for n, line in enumerate(lines):
        _text(canvas, line, (int(12 * u), top + line_h * (n + 1) - int(8 * u)), 0.8 * u, colour)


def _draw_centre(canvas: Image, text: str, colour: tuple[int, ...], u: float) -> None:
    height, width = canvas.shape[:2]
    scale = 1.6 * u
    (tw, th), _ = cv2.getTextSize(_ascii(text), FONT, scale, max(1, round(scale * 2)))
    x, y = (width - tw) // 2, height // 2
    _panel(canvas, (x - int(16 * u), y - th - int(16 * u)), (x + tw + int(16 * u), y + int(18 * u)))
    _text(canvas, text, (x, y), scale, colour)


def draw_overlay(
    rgb: Image,
    pose: PoseFrame | None,
    status: LiveStatus,
    mirror: bool = False,
    min_visibility: float = 0.5,
    gettext: Gettext = _same,
) -> Image:
    """A new RGB image: the skeleton, then (flipped if `mirror`) the counts, cue and timers,
    their words through `gettext` (the patient's language; English by default)."""
    canvas = draw_pose(rgb, pose, min_visibility) if pose is not None else rgb.copy()
    if mirror:
        canvas = cv2.flip(canvas, 1)
    u = max(0.5, min(canvas.shape[0], canvas.shape[1] * 0.75) / 480.0)
    _ = gettext
    _draw_counts(canvas, status, u, _)
    if status.phase is Phase.REST:
        _draw_centre(canvas, _(REST).format(seconds=int(status.rest_left_s + 0.999)), WHITE, u)
    if status.set_done:
        done = _(ALL_DONE) if status.phase is Phase.DONE else _(SET_DONE)
        _draw_centre(canvas, done, GREEN, u)
    if status.message:
        colour = AMBER if status.phase is Phase.SETUP else _CUE_COLOURS[status.severity]
        _draw_message(canvas, status.message, colour, u)
    return canvas
