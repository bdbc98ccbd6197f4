"""Video from phones: a turned clip is analysed upright (rotation applied on decoding); frames
whose rows PyAV pads reach MediaPipe as contiguous arrays (a 600-px-wide clip)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.landmarks import Joint, LandmarkStream
from rehab.exercise_library import load_library
from rehab.pose.backends import create_estimator
from rehab.pose.options import PoseOptions
from rehab.pose.pipeline import annotate_video
from rehab.pose.rotation import make_rotated_clip
from rehab.pose.sources import VideoFile
from tests.conftest import Clip

CLIP = "biceps_curl__standing_front.mp4"  # 464x848, stored portrait, 4 curls
UPRIGHT = (464, 848)


def _clip(clips: list[Clip]) -> Clip:
    return next(c for c in clips if c.name == CLIP)


def _stored(path: Path) -> tuple[tuple[int, int], float]:
    """(width, height) as stored, and the display rotation of the first frame."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        return (frame.width, frame.height), float(frame.rotation)


def _nose_above_hips(stream: LandmarkStream) -> float:
    """Share of the frames with a person in which the nose is above the hips (image y)."""
    nose_y = stream.image_xyz[:, Joint.NOSE, 1]
    hips_y = stream.image_xyz[:, [Joint.LEFT_HIP, Joint.RIGHT_HIP], 1].mean(axis=1)
    seen = np.isfinite(nose_y) & np.isfinite(hips_y)
    return float((nose_y[seen] < hips_y[seen]).mean())


@pytest.mark.video
@pytest.mark.slow
def test_a_turned_phone_clip_is_counted_and_drawn_upright(
    clips: list[Clip], tmp_path: Path
) -> None:
    clip = _clip(clips)
    turned = tmp_path / "turned.mp4"
    make_rotated_clip(clip.path, turned, 90)
    assert _stored(turned) == ((848, 464), 90.0)  # landscape pixels + "turn me" matrix
    with VideoFile(turned) as video:
        assert (video.rotation_deg, video.size) == (90, UPRIGHT)
    annotated = tmp_path / "annotated.mp4"
    stream = annotate_video(turned, annotated)
    assert stream.info.image_size == UPRIGHT
    assert _nose_above_hips(stream) > 0.95  # upright: sideways the nose is beside the hips
    reps = analyze_stream(stream, load_library().get(clip.exercise)).total_reps
    assert reps in clip.accepted_counts()
    assert _stored(annotated) == (UPRIGHT, 0.0)  # the annotated video is written upright


@pytest.mark.video
@pytest.mark.parametrize("degrees", [180, 270])
def test_every_quarter_turn_comes_back_upright(
    clips: list[Clip], tmp_path: Path, degrees: int
) -> None:
    turned = tmp_path / f"turned{degrees}.mp4"
    make_rotated_clip(_clip(clips).path, turned, degrees, max_frames=12)
    with VideoFile(turned) as video, create_estimator() as estimator:
        assert video.rotation_deg == degrees
        assert video.size == UPRIGHT
        poses = [estimator.estimate(f.rgb, f.t_ms) for f in video]
        assert poses[0].image_size == UPRIGHT
    stream = LandmarkStream.from_frames(poses, stream_info(turned))
    assert _nose_above_hips(stream) > 0.9


def stream_info(path: Path):  # type: ignore[no-untyped-def]
    from rehab.core.landmarks import StreamInfo

    return StreamInfo(30.0, path.name, "test", UPRIGHT)


def _narrow_clip(source: Path, target: Path, width: int, frames: int) -> None:
    """The first `frames` of `source` scaled to `width` pixels wide (H.264, even height)."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        out = dst.add_stream("libx264", rate=30)
        out.pix_fmt = "yuv420p"
        for n, frame in enumerate(src.decode(video=0)):
            if n == frames:
                break
            rgb = frame.to_ndarray(format="rgb24")
            height = round(rgb.shape[0] * width / rgb.shape[1]) // 2 * 2
            small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
            if n == 0:
                out.width, out.height = width, height
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(small), format="rgb24")
            picture.pts, picture.time_base = n, Fraction(1, 30)
            for packet in out.encode(picture):
                dst.mux(packet)
        for packet in out.encode(None):
            dst.mux(packet)


@pytest.mark.video
def test_a_600_px_wide_clip_reaches_mediapipe_contiguous(clips: list[Clip], tmp_path: Path) -> None:
    narrow = tmp_path / "narrow.mp4"
    _narrow_clip(_clip(clips).path, narrow, 600, frames=15)
    with av.open(str(narrow)) as container:
        raw = next(container.decode(video=0)).to_ndarray(format="rgb24")
    # PyAV pads each row (600 x 3 bytes) to an aligned stride: a strided view, which
    # mediapipe >= 0.10.30 misreads without a word (0 poses). The estimator copies it.
    assert raw.shape[1] == 600 and not raw.flags.c_contiguous
    with VideoFile(narrow) as video, create_estimator(PoseOptions()) as estimator:
        poses = [estimator.estimate(frame.rgb, frame.t_ms) for frame in video]
    assert len(poses) == 15 and all(p.detected for p in poses)
