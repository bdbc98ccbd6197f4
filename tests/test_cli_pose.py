"""`rehab annotate` and `rehab landmarks`, run as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import av
import numpy as np
import pytest

from rehab.pose.sources import read_image
from rehab.streamfile import load_stream
from tests.cli_helpers import assert_user_error, rehab
from tests.conftest import require_clips
from tests.pose_helpers import astronaut_png, nobody_png

SHORT_CLIP = "shoulder_abduction__seated_dumbbell_side.mp4"  # 236 frames, 464x848


def test_annotate_image_with_json(tmp_path: Path) -> None:
    source = astronaut_png(tmp_path)
    out = tmp_path / "annotated.png"
    result = rehab("annotate", source, "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    assert "33 keypoints" in result.stdout
    assert not np.array_equal(read_image(out), read_image(source))
    document = json.loads(out.with_suffix(".json").read_text())
    frame = document["frames"][0]
    assert frame["detected"] and len(frame["landmarks"]) == 33
    by_name = {lm["name"]: lm for lm in frame["landmarks"]}
    assert 0.1 < by_name["LEFT_SHOULDER"]["x"] < 0.9
    assert result.stderr.strip() == "", "native library logs stay off the terminal"


def test_annotate_image_with_nobody_says_so(tmp_path: Path) -> None:
    result = rehab("annotate", nobody_png(tmp_path), "-o", tmp_path / "out.jpg")
    assert result.returncode == 0
    assert "no person found" in result.stdout
    assert (tmp_path / "out.jpg").is_file()


@pytest.mark.video
def test_annotate_video_writes_browser_playable_h264(tmp_path: Path) -> None:
    source = require_clips() / SHORT_CLIP
    out = tmp_path / "annotated.mp4"
    result = rehab("annotate", source, "-o", out, "--json", tmp_path / "lm.json")
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = list(container.decode(stream))
    assert len(frames) == 236
    assert float(frames[-1].time) == pytest.approx(235 / 30.0, abs=0.05)  # real timing kept
    data = out.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat"), "faststart: index before the data"
    frames_json = json.loads((tmp_path / "lm.json").read_text())["frames"]
    assert len(frames_json) == 236 and all(f["detected"] for f in frames_json)


@pytest.mark.video
def test_landmarks_command_writes_a_loadable_stream(tmp_path: Path) -> None:
    source = require_clips() / SHORT_CLIP
    result = rehab("landmarks", source, "-o", tmp_path / "stream.npz")
    assert result.returncode == 0, result.stderr
    stream = load_stream(tmp_path / "stream.npz")
    assert len(stream) == 236 and stream.info.source == SHORT_CLIP
    assert stream.info.fps == pytest.approx(30.0, abs=0.01)
    assert stream.info.image_size == (464, 848)
    assert stream.detection_rate > 0.9


def _zero_frame_video(path: Path) -> Path:
    """A valid container with a video stream and no frame in it (AVI keeps such a stream)."""
    container = av.open(str(path), mode="w")
    stream = container.add_stream("mpeg4", rate=30)
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    container.start_encoding()
    container.close()
    return path


@pytest.mark.parametrize(
    ("make_input", "output_name", "fragments"),
    [
        (lambda d: d / "missing.mp4", "out.mp4", ["missing.mp4", "no such file"]),
        (lambda d: d / "missing.png", "out.png", ["missing.png", "no such file"]),
        (
            lambda d: (d / "corrupt.mp4").write_bytes(os.urandom(4096)) and d / "corrupt.mp4",
            "out.mp4",
            ["corrupt.mp4", "cannot open as a video"],
        ),
        (
            lambda d: (d / "broken.png").write_bytes(b"\x89PNG garbage") and d / "broken.png",
            "out.png",
            ["broken.png", "cannot read this image"],
        ),
        (lambda d: _zero_frame_video(d / "empty.avi"), "out.mp4", ["empty.avi", "no frames"]),
        (
            lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt",
            "out.png",
            ["notes.txt", "unsupported file type"],
        ),
        (astronaut_png, "no_such_folder/out.png", ["no_such_folder", "does not exist"]),
        (astronaut_png, "out.gif", ["out.gif", "annotated image is written as"]),
    ],
    ids=[
        "missing-video",
        "missing-image",
        "corrupt-video",
        "corrupt-image",
        "zero-frames",
        "unsupported-format",
        "no-output-folder",
        "wrong-output-type",
    ],
)
def test_annotate_bad_input_is_one_clear_line(
    tmp_path: Path, make_input, output_name: str, fragments: list[str]
) -> None:  # type: ignore[no-untyped-def]
    source = make_input(tmp_path)
    assert_user_error(rehab("annotate", source, "-o", tmp_path / output_name), *fragments)


def test_landmarks_bad_input(tmp_path: Path) -> None:
    assert_user_error(
        rehab("landmarks", tmp_path / "nope.mp4", "-o", tmp_path / "s.npz"), "no such file"
    )
    assert_user_error(
        rehab("landmarks", astronaut_png(tmp_path), "-o", tmp_path / "s.npz"), "takes a video"
    )
    assert_user_error(
        rehab("landmarks", _zero_frame_video(tmp_path / "e.avi"), "-o", tmp_path / "x" / "s.npz"),
        "does not exist",
    )
    assert_user_error(
        rehab("landmarks", _zero_frame_video(tmp_path / "e.avi"), "-o", tmp_path / "s.npz"),
        "no frames",
    )
