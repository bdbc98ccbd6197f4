"""Frame sources: video files (PyAV), the OpenCV camera reader, the prefetch thread."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from rehab.errors import InputError
from rehab.pose.pipeline import _segments
from rehab.pose.sources import VideoFile, Webcam, media_kind, prefetch
from tests.conftest import require_clips

SHORT_CLIP = "shoulder_abduction__seated_dumbbell_side.mp4"


def test_media_kind_by_suffix() -> None:
    assert media_kind(Path("a.JPG")) == "image"
    assert media_kind(Path("b.mp4")) == "video"
    with pytest.raises(InputError, match=r"unsupported file type '\.txt'"):
        media_kind(Path("notes.txt"))


def test_prefetch_keeps_order_and_reraises_errors() -> None:
    assert list(prefetch(range(100), depth=3)) == list(range(100))

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise InputError("broken at 2")

    got = []
    with pytest.raises(InputError, match="broken at 2"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]


def test_prefetch_stops_its_thread_when_abandoned() -> None:
    produced = []

    def endless():  # type: ignore[no-untyped-def]
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    iterator = prefetch(endless(), depth=2)
    assert next(iterator) == 0
    iterator.close()  # runs the finally: signals and joins the producer
    count = len(produced)
    time.sleep(0.05)
    assert len(produced) == count < 10


def test_segments_split_long_videos_only() -> None:
    assert _segments(None, 2) == [(0.0, float("inf"))]
    assert _segments(2.0, 2) == [(0.0, float("inf"))]
    assert _segments(10.0, 2) == [(0.0, 5.0), (5.0, float("inf"))]


@pytest.mark.video
def test_video_segments_cover_every_frame_once() -> None:
    path = require_clips() / SHORT_CLIP
    with VideoFile(path) as video:
        whole = [f.t_ms for f in video]
        duration = video.duration_s
    assert duration is not None
    cut = duration / 2
    with VideoFile(path) as first, VideoFile(path) as second:
        head = [f.t_ms for f in first.frames(0.0, cut)]
        tail = [f.t_ms for f in second.frames(cut)]
    assert head + tail == whole
    assert head and tail


@pytest.mark.video
def test_opencv_camera_reader_reads_a_device_stream_and_reports_the_end() -> None:
    # No camera on this machine: OpenCV's capture reads a file through the same code path.
    path = require_clips() / SHORT_CLIP
    with Webcam(str(path)) as camera:
        frames = list(camera)
        assert camera.disconnected  # the stream ended: the caller keeps what it has
    assert len(frames) == 236
    assert frames[0].rgb.shape == (848, 464, 3)
    assert np.all(np.diff([f.t_ms for f in frames]) >= 0)


def test_missing_camera_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="camera 97: cannot open it"):
        Webcam(97)
