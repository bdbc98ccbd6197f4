"""Phone videos: turn decoded frames upright as the file's display matrix says.

A phone films in the sensor's orientation and stores how to turn the picture (the MP4 `tkhd`
display matrix). PyAV 18 reads it on every decoded frame as `VideoFrame.rotation`: degrees
counter-clockwise, in [-180, 180], to turn the picture upright. FFmpeg >= 5 no longer shows
it as a stream `rotate` tag; that tag is read only as a fallback for old files.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

RgbImage = npt.NDArray[np.uint8]


def normalise_deg(degrees: float) -> int:
    """The nearest of 0, 90, 180, 270; a ValueError for an angle that is no quarter turn."""
    quarter = round(degrees / 90.0)
    if abs(degrees - quarter * 90.0) > 1.0:
        raise ValueError(f"rotation {degrees} deg is not a multiple of 90")
    return int(quarter % 4) * 90


def frame_rotation_deg(frame: Any, stream_tag: str | None = None) -> int:
    """Counter-clockwise degrees that turn this decoded frame upright (0 when none)."""
    degrees = float(getattr(frame, "rotation", 0) or 0)
    if degrees == 0 and stream_tag:  # the old clockwise `rotate` tag
        degrees = -float(stream_tag)
    return normalise_deg(degrees)


def upright(rgb: RgbImage, rotation_deg: int) -> RgbImage:
    """The image turned `rotation_deg` counter-clockwise (contiguous, ready for MediaPipe)."""
    if rotation_deg == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=rotation_deg // 90))


def upright_size(size: tuple[int, int], rotation_deg: int) -> tuple[int, int]:
    """(width, height) once turned upright."""
    width, height = size
    return (height, width) if rotation_deg in (90, 270) else (width, height)


def make_rotated_clip(
    source: str | Path, target: str | Path, rotation_deg: int, max_frames: int | None = None
) -> None:
    """Write `source` as a phone held turned would: the pixels turned clockwise by
    `rotation_deg` and a display matrix that tells players to turn them back (H.264)."""
    if rotation_deg % 90:
        raise ValueError("rotation must be a multiple of 90")
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        in_stream = src.streams.video[0]
        rate = in_stream.average_rate or Fraction(30, 1)
        out = dst.add_stream("libx264", rate=rate)
        out.pix_fmt = "yuv420p"
        out.set_display_rotation(rotation_deg)  # counter-clockwise, as VideoFrame.rotation reads
        for n, frame in enumerate(src.decode(in_stream)):
            if max_frames is not None and n >= max_frames:
                break
            turned = np.rot90(frame.to_ndarray(format="rgb24"), k=-rotation_deg // 90)
            if n == 0:
                out.height, out.width = turned.shape[0] // 2 * 2, turned.shape[1] // 2 * 2
            even = np.ascontiguousarray(turned[: out.height, : out.width], dtype=np.uint8)
            picture = av.VideoFrame.from_ndarray(even, format="rgb24")
            picture.pts, picture.time_base = n, 1 / rate
            for packet in out.encode(picture):
                dst.mux(packet)
        for packet in out.encode(None):
            dst.mux(packet)
