"""Media that asks native code for too much is refused from its header, with a clear message.

The hostile files are tiny (a 300-byte PNG of 2 x 33,000 pixels used to abort the process
inside MediaPipe; a 200 KB H.264 video of 8192 x 8192 frames took 8 GB to annotate). The
CLI runs as a real subprocess, whose own peak memory is measured (os.wait4).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from rehab.errors import InputError
from rehab.pose import media_limits
from rehab.pose.media_limits import IMAGE_LIMITS, VIDEO_LIMITS, queue_depth
from rehab.pose.sources import VideoFile, read_image
from tests.cli_run import assert_one_line_error, run_rehab
from tests.hostile_media import png_bytes, write_h264, write_png

# A Python interpreter with mediapipe, cv2 and PyAV imported takes about 210 MB here; a
# refused file must not add a decoded picture's worth on top of that.
REFUSAL_PEAK_MB = 400


@pytest.fixture(scope="module")
def huge_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8192 x 8192 H.264, 2 black frames: about 200 KB on disk, 100 MB a decoded frame."""
    return write_h264(tmp_path_factory.mktemp("bomb") / "huge.mp4", 8192, 8192, frames=2)


@pytest.mark.parametrize(("width", "height"), [(2, 33_000), (33_000, 2)])
def test_sliver_png_is_refused_by_annotate(tmp_path: Path, width: int, height: int) -> None:
    source = write_png(tmp_path / "sliver.png", width, height)
    assert source.stat().st_size < 400
    output = tmp_path / "out.png"
    run = run_rehab("annotate", source, "-o", output, "--json")
    assert_one_line_error(run, "sliver.png", f"{width} x {height} pixels")
    assert run.peak_rss_mb < REFUSAL_PEAK_MB, run.peak_rss_mb
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sliver.png"], "no output written"


@pytest.mark.parametrize("command", ["annotate", "landmarks", "analyze"])
def test_huge_h264_video_is_refused_before_decoding(
    tmp_path: Path, huge_video: Path, command: str
) -> None:
    assert huge_video.stat().st_size < 300_000
    args: list[str | Path] = [command, huge_video]
    if command == "annotate":
        args += ["-o", tmp_path / "out.mp4"]
    elif command == "landmarks":
        args += ["-o", tmp_path / "out.npz"]
    else:
        args += ["--exercise", "squat"]
    run = run_rehab(*args)
    assert_one_line_error(run, "huge.mp4", "8192 x 8192 pixels is too large")
    assert run.peak_rss_mb < REFUSAL_PEAK_MB, run.peak_rss_mb
    assert list(tmp_path.iterdir()) == []


def test_opening_a_huge_video_decodes_no_picture(huge_video: Path) -> None:
    """The header is read with FFmpeg's probe decoding nothing (it used to decode frames)."""
    with pytest.raises(InputError, match="too large"):
        VideoFile(huge_video)
    with media_limits.open_video(huge_video) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (8192, 8192)


def test_long_video_is_refused_from_its_header(tmp_path: Path) -> None:
    source = write_h264(tmp_path / "long.mp4", 64, 64, frames=8, fps=Fraction(1, 100))
    with pytest.raises(InputError, match=r"800 s long.*10 minutes"):
        VideoFile(source)


def test_ordinary_video_still_opens_and_decodes(tmp_path: Path) -> None:
    source = write_h264(tmp_path / "ok.mp4", 320, 240, frames=12)
    with VideoFile(source) as video:
        assert video.size == (320, 240)
        frames = list(video)
    assert len(frames) == 12
    assert frames[0].rgb.shape == (240, 320, 3)


@pytest.mark.parametrize(
    ("width", "height", "problem"),
    [
        (8, 600, "too small"),
        (10_001, 100, "too large"),
        (8000, 6000, "too large"),  # 48 megapixels
        (4000, 400, "too narrow"),
    ],
)
def test_image_limits(tmp_path: Path, width: int, height: int, problem: str) -> None:
    source = write_png(tmp_path / "x.png", width, height)
    with pytest.raises(InputError, match=problem):
        read_image(source)


def test_accepted_image_is_decoded_as_before(tmp_path: Path) -> None:
    source = write_png(tmp_path / "fine.png", 640, 480)
    assert read_image(source).shape == (480, 640, 3)


def test_image_in_an_unsupported_format_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    gif = tmp_path / "x.png"
    Image.new("RGB", (64, 64)).save(gif, format="GIF")  # a GIF behind a .png name
    with pytest.raises(InputError, match="GIF images are not supported"):
        read_image(gif)


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x89PNG\r\n\x1a\n", png_bytes(64, 64)[:40], b"GIF89a" + bytes(20), bytes(1000)],
)
def test_truncated_or_foreign_bytes_are_refused(tmp_path: Path, payload: bytes) -> None:
    source = tmp_path / "broken.png"
    source.write_bytes(payload)
    with pytest.raises(InputError, match=r"broken\.png"):
        read_image(source)


def test_pillow_decompression_bomb_gets_our_message(tmp_path: Path) -> None:
    source = tmp_path / "bomb.png"
    header_only = png_bytes(20_000, 20_000)[:33]  # IHDR of 400 megapixels, no pixel data
    source.write_bytes(header_only)
    with pytest.raises(InputError, match=r"bomb\.png"):
        read_image(source)


def test_frames_checked_while_decoding() -> None:
    """A stream may change size mid-way or run past its header: each frame is checked."""
    path = Path("clip.mp4")
    media_limits.check_video_frame(path, 1920, 1080, 0, 0.0)
    with pytest.raises(InputError, match="frame 7: 8192 x 4096"):
        media_limits.check_video_frame(path, 8192, 4096, 7, 233.0)
    with pytest.raises(InputError, match="cut it into shorter clips"):
        media_limits.check_video_frame(path, 640, 480, VIDEO_LIMITS.max_frames, 1000.0)
    with pytest.raises(InputError, match="cut it into shorter clips"):
        media_limits.check_video_frame(path, 640, 480, 10, VIDEO_LIMITS.max_duration_s * 1001)


def test_queue_depth_is_bounded_in_bytes() -> None:
    assert queue_depth(640, 480) == 8
    big = VIDEO_LIMITS.frame.max_pixels
    depth = queue_depth(4096, big // 4096)
    assert 1 <= depth < 8
    assert depth * big * 3 <= media_limits.QUEUE_BUDGET_BYTES
    assert queue_depth(100_000, 100_000) == 1


def test_limits_accept_what_phones_and_webcams_make() -> None:
    for width, height in [(4032, 3024), (3024, 4032), (640, 480), (1080, 1920)]:
        IMAGE_LIMITS.check(width, height, "photo")
    for width, height in [(3840, 2160), (2160, 3840), (1920, 1080), (640, 480)]:
        VIDEO_LIMITS.check_header("clip", width, height, 18_000, 300.0, 60.0)
    assert np.isfinite(VIDEO_LIMITS.max_duration_s)


def test_very_large_frames_are_decoded_at_a_smaller_size(tmp_path: Path) -> None:
    """A 4K video is accepted and decoded at 1080p-like size, keeping its shape."""
    source = write_h264(tmp_path / "uhd.mp4", 3840, 2160, frames=3)
    with VideoFile(source) as video:
        assert video.source_size == (3840, 2160)
        assert video.size == (1920, 1080)
        frames = list(video)
    assert [f.rgb.shape for f in frames] == [(1080, 1920, 3)] * 3
    assert media_limits.decoded_size(1080, 1920) == (1080, 1920)  # 1080p portrait: as is
    width, height = media_limits.decoded_size(4096, 2304)
    assert width % 2 == height % 2 == 0
    assert width * height <= media_limits.MAX_DECODED_PIXELS
    assert abs(width / height - 4096 / 2304) < 0.01


def test_dashboard_upload_paths_refuse_without_aborting(huge_video: Path) -> None:
    """The dashboard's own functions, in this process: before the limits, the PNG aborted
    the whole server (and every live session with it)."""
    from rehab.dashboard.media import annotate, run_analysis
    from rehab.exercise_library import load_library

    with pytest.raises(InputError, match=r"sliver\.png: 2 x 33000 pixels"):
        annotate("sliver.png", png_bytes(2, 33_000))
    squat = load_library().get("squat")
    with pytest.raises(InputError, match=r"clip\.mp4: 8192 x 8192 pixels is too large"):
        run_analysis("clip.mp4", huge_video.read_bytes(), squat, None, lambda *_: None)
