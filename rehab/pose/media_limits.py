"""Size limits on the media we decode, checked before any pixel is decoded.

Native decoders (OpenCV, FFmpeg, MediaPipe) allocate what a file's header asks for: a
300-byte PNG can announce 2 x 33,000 pixels (MediaPipe aborts the process on it) and a
200 KB H.264 file can announce 8192 x 8192 frames (gigabytes once decoded). So every image
and video is measured from its header first (Pillow reads an image header without
decoding; PyAV reads a video's codec parameters), refused with a clear InputError when out
of bounds, and each decoded video frame is checked again (a stream may change size or run
longer than its header says). Queues of decoded frames are bounded in bytes, not in frames.

The limits are generous for a phone or webcam (4K video, 40-megapixel photos, 10-minute
clips) and keep the peak memory of one analysis far below 1.5 GB (docs/security.md).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehab.errors import InputError


@dataclass(frozen=True)
class PictureLimits:
    """Bounds on one picture (a photo or a video frame)."""

    min_side_px: int
    max_side_px: int
    max_pixels: int
    max_aspect: float  # longer side / shorter side

    def check(self, width: int, height: int, what: str) -> None:
        """InputError naming `what` when a `width` x `height` picture is out of bounds."""
        if width < self.min_side_px or height < self.min_side_px:
            raise InputError(
                f"{what}: {width} x {height} pixels is too small "
                f"(each side needs at least {self.min_side_px} pixels)"
            )
        if max(width, height) > self.max_side_px or width * height > self.max_pixels:
            raise InputError(
                f"{what}: {width} x {height} pixels is too large (at most {self.max_side_px} "
                f"pixels a side and {self.max_pixels / 1e6:.1f} megapixels); resize it first"
            )
        if max(width, height) / min(width, height) > self.max_aspect:
            raise InputError(
                f"{what}: {width} x {height} pixels is too narrow a shape "
                f"(at most {self.max_aspect:g} to 1); crop it first"
            )


@dataclass(frozen=True)
class VideoLimits:
    """Bounds on a video: each frame's size, its length, its frame rate."""

    frame: PictureLimits
    max_duration_s: float
    max_frames: int
    max_fps: float

    def check_header(
        self, what: str, width: int, height: int, frames: int, duration_s: float | None, fps: float
    ) -> None:
        """What the container announces; InputError when it is out of bounds."""
        self.frame.check(width, height, what)
        if not math.isfinite(fps) or fps <= 0 or fps > self.max_fps:
            raise InputError(
                f"{what}: a frame rate of {fps:g} per second is not supported "
                f"(at most {self.max_fps:g})"
            )
        if duration_s is not None and duration_s > self.max_duration_s:
            raise InputError(self._too_long(what, f"{duration_s:.0f} s long"))
        if frames > self.max_frames:
            raise InputError(self._too_long(what, f"{frames} frames"))

    def _too_long(self, what: str, length: str) -> str:
        minutes = self.max_duration_s / 60
        return (
            f"{what}: the video is {length}, more than this program analyses "
            f"({minutes:g} minutes or {self.max_frames} frames); cut it into shorter clips"
        )


IMAGE_FORMATS = frozenset({"PNG", "JPEG", "MPO", "BMP", "DIB", "WEBP"})

IMAGE_LIMITS = PictureLimits(
    min_side_px=16, max_side_px=10_000, max_pixels=40_000_000, max_aspect=8.0
)
VIDEO_LIMITS = VideoLimits(
    frame=PictureLimits(min_side_px=16, max_side_px=4096, max_pixels=4096 * 2304, max_aspect=4.0),
    max_duration_s=600.0,
    max_frames=36_000,  # 10 minutes at 60 frames a second
    max_fps=240.0,
)
# Frames larger than this are scaled down as they are decoded (BlazePose looks at 256 x 256
# anyway): a 4K video then costs a 1080p video's memory in every queue and copy.
MAX_DECODED_PIXELS = 1920 * 1080
QUEUE_BUDGET_BYTES = 128 * 1024 * 1024  # decoded RGB frames waiting in one queue


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the image file's header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, size = image.format, image.size
    except Image.DecompressionBombError as exc:
        raise InputError(f"{path}: the image is far too large ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise InputError(f"{path}: cannot read this image (corrupt or not an image)") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's parsers raise all three
        raise InputError(f"{path}: cannot read this image ({exc})") from exc
    if kind not in IMAGE_FORMATS:
        raise InputError(f"{path}: {kind} images are not supported (use JPEG, PNG, BMP or WebP)")
    return int(size[0]), int(size[1])


def check_image_file(path: Path) -> tuple[int, int]:
    """The image's (width, height) when within IMAGE_LIMITS; InputError else."""
    width, height = image_size(path)
    IMAGE_LIMITS.check(width, height, str(path))
    return width, height


def open_video(path: Path) -> Any:
    """An av InputContainer whose header is read without decoding any picture.

    FFmpeg's probe decodes up to 7 frames to guess an H.264 stream's delay (hundreds of MB
    for one huge frame); `skip_frame=all`, given to every stream's probe, makes it decode
    nothing. Decoding later uses a fresh codec context, so the frames are the same.
    (Formats that only show their streams while probed, MPEG program streams, are probed
    the usual way: PyAV cannot pass them options.)
    """
    import av

    return av.open(str(path), options={"skip_frame": "all"})


def check_video_frame(path: Path, width: int, height: int, index: int, t_ms: float) -> None:
    """A decoded frame, before it is converted: its size and how far into the video it is."""
    VIDEO_LIMITS.frame.check(width, height, f"{path} frame {index}")
    if index >= VIDEO_LIMITS.max_frames or t_ms > VIDEO_LIMITS.max_duration_s * 1000.0:
        raise InputError(VIDEO_LIMITS._too_long(str(path), f"over {index} frames"))


def decoded_size(width: int, height: int) -> tuple[int, int]:
    """The size a `width` x `height` frame is decoded to: the same shape, at most
    MAX_DECODED_PIXELS, both sides even (what an H.264 writer needs)."""
    if width * height <= MAX_DECODED_PIXELS:
        return width, height
    scale = math.sqrt(MAX_DECODED_PIXELS / (width * height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def queue_depth(
    width: int, height: int, most: int = 8, budget_bytes: int = QUEUE_BUDGET_BYTES
) -> int:
    """How many decoded RGB frames of this size a queue may hold (1 to `most`)."""
    frame_bytes = max(1, width * height * 3)
    return max(1, min(most, budget_bytes // frame_bytes))
