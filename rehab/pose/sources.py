"""Where frames come from: an image file, a video file (PyAV), a local webcam (OpenCV).

Every source yields `VideoFrame`s: an RGB uint8 image and its time in milliseconds.
Video timestamps come from the container (pts x time_base), not from frame index guesses.
Video frames come upright: a phone clip's display matrix (rotation) is applied on decoding.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

from rehab.errors import InputError
from rehab.pose import media_limits
from rehab.pose.rotation import frame_rotation_deg, upright, upright_size

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"})


@dataclass(frozen=True)
class VideoFrame:
    rgb: np.ndarray  # (H, W, 3) uint8
    t_ms: float
    index: int  # position within the read that produced it


def media_kind(path: Path) -> str:
    """'image' or 'video' by file suffix; InputError for anything else."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    known = ", ".join(sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))
    raise InputError(f"{path}: unsupported file type '{suffix or '(none)'}' (use one of {known})")


def parse_creation_time(text: str) -> dt.datetime | None:
    """A creation_time tag ('2026-03-02T09:15:04.000000Z') as an aware UTC datetime; None for
    an empty, malformed or placeholder (before 1990: cameras with no clock set) value."""
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC) if stamp.year >= 1990 else None


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")


def read_image(path: str | Path) -> np.ndarray:
    """An image file as RGB uint8; InputError when missing or unreadable."""
    source = Path(path)
    _require_file(source)
    width, height = media_limits.check_image_file(source)  # before OpenCV decodes anything
    bgr = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"{source}: cannot read this image (corrupt or not an image)")
    if bgr.shape[:2] not in ((height, width), (width, height)):  # EXIF may turn a photo
        raise InputError(f"{source}: the image's header and its pixels disagree on its size")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class VideoFile:
    """Decodes a video file with PyAV; iterate to get VideoFrames in order.

    Opening checks that the file is a video with a video stream; decoding errors mid-way
    raise InputError naming the file and the frame reached.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        _require_file(self.path)
        try:
            self._container = media_limits.open_video(self.path)
        except (av.FFmpegError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: cannot open as a video ({exc})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{self.path}: contains no video stream")
        self._stream = self._container.streams.video[0]
        try:
            media_limits.VIDEO_LIMITS.check_header(
                str(self.path), *self.source_size, self.frame_count, self.duration_s, self.fps
            )
        except InputError:
            self._container.close()
            raise
        self._stream.thread_type = "AUTO"  # let FFmpeg decode on several threads
        self.rotation_deg = _first_frame_rotation(self.path)

    @property
    def fps(self) -> float:
        rate = self._stream.average_rate or self._stream.guessed_rate
        return float(rate) if rate else 30.0

    @property
    def source_size(self) -> tuple[int, int]:
        """(width, height) the file announces (as coded: before any rotation)."""
        return (self._stream.codec_context.width, self._stream.codec_context.height)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames yielded: the file's, scaled down when very large,
        turned upright."""
        return upright_size(media_limits.decoded_size(*self.source_size), self.rotation_deg)

    @property
    def frame_count(self) -> int:
        """Frames announced by the container (0 when it does not say)."""
        return int(self._stream.frames or 0)

    @property
    def duration_s(self) -> float | None:
        """Length announced by the container, or None when it does not say."""
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return float(self._container.duration) / 1_000_000  # AV_TIME_BASE
        return None

    @property
    def recorded_at(self) -> dt.datetime | None:
        """When the video was recorded: the container's (or video stream's) creation_time
        tag, as cameras and phones write it (None when absent or unreadable)."""
        for tags in (self._container.metadata, self._stream.metadata):
            found = parse_creation_time(tags.get("creation_time", ""))
            if found is not None:
                return found
        return None

    @property
    def _start_s(self) -> float:
        stream = self._stream
        if stream.start_time is None or stream.time_base is None:
            return 0.0
        return float(stream.start_time * stream.time_base)

    def __iter__(self) -> Iterator[VideoFrame]:
        return self.frames()

    def frames(self, from_s: float = 0.0, until_s: float = np.inf) -> Iterator[VideoFrame]:
        """Frames whose time (seconds from the stream start) is in [from_s, until_s).

        A later segment seeks to the keyframe before `from_s` and decodes forward, so two
        readers can split one video between them with no frame lost or read twice.
        """
        start_s = self._start_s
        if from_s > 0 and self._stream.time_base is not None:
            offset = int((start_s + from_s) / self._stream.time_base)
            self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        last_ms = -np.inf
        count = 0
        try:
            for frame in self._container.decode(self._stream):
                t_ms = _frame_time_ms(frame.time, start_s, last_ms, self.fps)
                last_ms = t_ms
                media_limits.check_video_frame(self.path, frame.width, frame.height, count, t_ms)
                if t_ms < from_s * 1000.0:
                    continue
                if t_ms >= until_s * 1000.0:
                    break
                width, height = media_limits.decoded_size(frame.width, frame.height)
                decoded = frame.to_ndarray(format="rgb24", width=width, height=height)
                rgb = upright(np.asarray(decoded), self.rotation_deg)
                yield VideoFrame(rgb, t_ms, count)
                count += 1
        except av.FFmpegError as exc:
            raise InputError(
                f"{self.path}: video is corrupt near {last_ms / 1000:.2f} s ({exc})"
            ) from exc
        if count == 0 and from_s == 0:
            raise InputError(f"{self.path}: the video has no frames")

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _first_frame_rotation(path: Path) -> int:
    """Counter-clockwise degrees that turn the video upright, read off its first frame (the
    display matrix is the stream's, so every frame has the same)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            tag = stream.metadata.get("rotate")
            for frame in container.decode(stream):
                return frame_rotation_deg(frame, tag)
    except (av.FFmpegError, ValueError) as exc:
        log.warning("%s: orientation unreadable (%s); frames are used as stored", path, exc)
    return 0


def _frame_time_ms(time_s: float | None, start_s: float, last_ms: float, fps: float) -> float:
    """Container time in ms from the stream start, kept strictly increasing."""
    step_ms = 1000.0 / fps
    if time_s is None:
        return 0.0 if last_ms == -np.inf else last_ms + step_ms
    t_ms = (time_s - start_s) * 1000.0
    if t_ms <= last_ms:  # a repeated or reordered pts: keep the stream monotonic
        t_ms = last_ms + step_ms / 10.0
    return t_ms


class Webcam:
    """A local camera by index (or a device path / stream URL), read with OpenCV.

    Timestamps come from a monotonic clock at capture. When the camera stops delivering,
    iteration ends and `disconnected` is True, so the caller keeps what was recorded.
    """

    def __init__(self, device: int | str = 0, width: int = 640, height: int = 480) -> None:
        self.device = device
        self._capture = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            raise InputError(
                f"camera {device}: cannot open it (is it connected, and not used by "
                "another program? try another --camera index)"
            )
        if isinstance(device, int):
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.disconnected = False

    @property
    def fps(self) -> float:
        value = float(self._capture.get(cv2.CAP_PROP_FPS))
        return value if value > 0 else 30.0

    def __iter__(self) -> Iterator[VideoFrame]:
        t0 = time.monotonic()
        index = 0
        while True:
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                self.disconnected = True
                log.warning("camera %s delivered no frame after %d frames", self.device, index)
                return
            t_ms = (time.monotonic() - t0) * 1000.0
            yield VideoFrame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t_ms, index)
            index += 1

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> Webcam:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


T = TypeVar("T")
_END = object()


def prefetch(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """Iterate `items` on a background thread, `depth` ahead, so decoding overlaps inference.

    Exceptions raised by the producer are re-raised in the consumer, in order.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="frame-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        _drain(buffer)
        worker.join(timeout=5)


def _drain(buffer: queue.Queue[object]) -> None:
    while True:
        try:
            buffer.get_nowait()
        except queue.Empty:
            return
