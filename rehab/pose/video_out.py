"""Write H.264 MP4 that browsers play (PyAV + libx264, yuv420p, moov atom up front)."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from rehab.errors import InputError

_TIME_BASE = Fraction(1, 1000)  # pts in milliseconds keeps the source's real timing


class H264Writer:
    """Append RGB frames with their time in ms; close() finishes the file."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise InputError(f"{self.path}: output folder {self.path.parent} does not exist")
        # yuv420p needs even dimensions: drop a last odd row/column rather than rescale.
        self.width, self.height = size[0] - size[0] % 2, size[1] - size[1] % 2
        self._container = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = _TIME_BASE
        self._stream.codec_context.time_base = _TIME_BASE
        self._stream.options = {"crf": "23", "preset": "veryfast"}
        self._last_pts = -1

    def write(self, rgb: np.ndarray, t_ms: float) -> None:
        image = np.ascontiguousarray(rgb[: self.height, : self.width])
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        pts = max(round(t_ms), self._last_pts + 1)
        frame.pts, frame.time_base = pts, _TIME_BASE
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.close()
            return
        # Already failing: release the file without flushing, so the first error is the one seen.
        with contextlib.suppress(av.FFmpegError):
            self._container.close()
