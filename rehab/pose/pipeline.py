"""Run BlazePose over an image or a video: landmarks, annotated output, landmark streams."""

from __future__ import annotations

import json
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rehab.core.landmarks import Joint, LandmarkStream, PoseFrame, StreamInfo
from rehab.errors import InputError
from rehab.outputs import atomic_output, write_text_atomically
from rehab.pose.backends import create_estimator
from rehab.pose.drawing import draw_pose
from rehab.pose.estimator import PoseEstimator
from rehab.pose.media_limits import queue_depth
from rehab.pose.models import resolve_model
from rehab.pose.options import PoseOptions
from rehab.pose.sources import VideoFile, VideoFrame, prefetch, read_image
from rehab.pose.video_out import H264Writer

ProgressCallback = Callable[[int], None]  # called with the number of frames just done

MIN_SEGMENT_S = 3.0  # shorter videos are not worth splitting between threads


@dataclass(frozen=True)
class ImageResult:
    pose: PoseFrame
    output: Path
    model: str


def _check_output(path: Path, allowed: frozenset[str], what: str) -> None:
    if not path.parent.is_dir():
        raise InputError(f"{path}: output folder {path.parent} does not exist")
    if path.suffix.lower() not in allowed:
        raise InputError(f"{path}: an annotated {what} is written as {', '.join(sorted(allowed))}")


def annotate_image(
    source: Path, output: Path, model: str | Path | None = None, min_visibility: float = 0.5
) -> ImageResult:
    """Find the pose in an image and write the image with the skeleton drawn.

    With nobody in the image the output is the image unannotated (not an error).
    """
    _check_output(output, frozenset({".jpg", ".jpeg", ".png"}), "image")
    options = PoseOptions.image(model)
    resolve_model(options.model)  # a missing model fails before any work
    rgb = read_image(source)
    with create_estimator(options) as estimator:
        pose = estimator.estimate(rgb, 0.0)
        model = estimator.model_name
    annotated = draw_pose(rgb, pose, min_visibility)
    with atomic_output(output) as partial:
        if not cv2.imwrite(str(partial), cv2.cvtColor(annotated, cv2.COLOR_RGB2BGR)):
            raise InputError(f"{output}: cannot write the image here")
    return ImageResult(pose=pose, output=output, model=model)


def track_video(
    frames: Iterable[VideoFrame], estimator: PoseEstimator, depth: int = 8
) -> Iterator[tuple[VideoFrame, PoseFrame]]:
    """Each decoded frame with its pose; decoding runs one thread ahead of inference
    (at most `depth` frames: see `media_limits.queue_depth`)."""
    for frame in prefetch(frames, depth=depth):
        yield frame, estimator.estimate(frame.rgb, frame.t_ms)


def extract_stream(
    source: Path,
    options: PoseOptions | None = None,
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> LandmarkStream:
    """The landmark stream of a whole video (default options: DEFAULT_VIDEO_MODEL, video mode).

    MediaPipe releases the GIL while it infers, so `workers` threads (default: one per core,
    at most 2) each track a contiguous segment of the video with their own estimator; the
    segments are joined in time order. Each segment starts tracking afresh, which costs a
    detection on its first frame and nothing else.
    """
    options = options or PoseOptions()
    resolve_model(options.model)  # a missing model fails here, not in a worker thread
    with VideoFile(source) as video:
        info_parts = (video.fps, source.name, video.size)
        bounds = _segments(video.duration_s, workers or min(2, os.cpu_count() or 1))
    report = _locked(on_progress)
    if len(bounds) == 1:
        poses, model = _track_segment(source, options, bounds[0], report)
    else:
        with ThreadPoolExecutor(max_workers=len(bounds), thread_name_prefix="pose") as pool:
            futures = [pool.submit(_track_segment, source, options, b, report) for b in bounds]
            parts = [future.result() for future in futures]
        poses = [pose for part, _model in parts for pose in part]
        model = parts[0][1]
    if not poses:
        raise InputError(f"{source}: the video has no frames")
    fps, name, size = info_parts
    return LandmarkStream.from_frames(poses, StreamInfo(fps, name, model, size))


def _segments(duration_s: float | None, workers: int) -> list[tuple[float, float]]:
    """[from_s, until_s) spans that split the video evenly; one span when it is short."""
    if duration_s is None or workers < 2 or duration_s < MIN_SEGMENT_S * workers:
        return [(0.0, math.inf)]
    cuts = [duration_s * i / workers for i in range(1, workers)]
    starts = [0.0, *cuts]
    ends = [*cuts, math.inf]
    return list(zip(starts, ends, strict=True))


def _track_segment(
    source: Path,
    options: PoseOptions,
    span: tuple[float, float],
    on_progress: ProgressCallback | None,
) -> tuple[list[PoseFrame], str]:
    with VideoFile(source) as video, create_estimator(options) as estimator:
        poses = []
        depth = queue_depth(*video.size)
        for _frame, pose in track_video(video.frames(*span), estimator, depth):
            poses.append(pose)
            if on_progress:
                on_progress(1)
        return poses, estimator.model_name


def _locked(callback: ProgressCallback | None) -> ProgressCallback | None:
    """`callback` made safe to call from several threads."""
    if callback is None:
        return None
    lock = threading.Lock()

    def call(n: int) -> None:
        with lock:
            callback(n)

    return call


def annotate_video(
    source: Path,
    output: Path,
    options: PoseOptions | None = None,
    min_visibility: float = 0.5,
    on_progress: ProgressCallback | None = None,
) -> LandmarkStream:
    """Write `output` (H.264 MP4, upright) with the skeleton drawn; return the landmark
    stream (default options: DEFAULT_VIDEO_MODEL, video mode)."""
    _check_output(output, frozenset({".mp4"}), "video")
    options = options or PoseOptions()
    resolve_model(options.model)
    # Written under a temporary name and renamed at the end: a failure never leaves a
    # half-written MP4 (unplayable: its index comes last) where the user expects a video.
    with (
        atomic_output(output) as partial,
        VideoFile(source) as video,
        create_estimator(options) as estimator,
        H264Writer(partial, video.fps, video.size) as writer,
    ):
        poses = _track_and_write(video, estimator, writer, min_visibility, on_progress)
        info = StreamInfo(video.fps, source.name, estimator.model_name, video.size)
    return LandmarkStream.from_frames(poses, info)


def _track_and_write(
    video: VideoFile,
    estimator: PoseEstimator,
    writer: H264Writer,
    min_visibility: float,
    on_progress: ProgressCallback | None,
) -> list[PoseFrame]:
    """Track every frame; drawing and encoding run on a thread of their own, overlapping
    the next inference (a few frames behind, bounded in bytes, to bound memory)."""
    poses = []
    depth = queue_depth(*video.size)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode") as encoder:
        pending: deque[Future[None]] = deque()
        for frame, pose in track_video(video, estimator, depth):
            pending.append(encoder.submit(_draw_and_write, writer, frame, pose, min_visibility))
            poses.append(pose)
            while len(pending) > depth or (pending and pending[0].done()):
                pending.popleft().result()
            if on_progress:
                on_progress(1)
        for job in pending:
            job.result()
    return poses


def _draw_and_write(
    writer: H264Writer, frame: VideoFrame, pose: PoseFrame, min_visibility: float
) -> None:
    writer.write(draw_pose(frame.rgb, pose, min_visibility), frame.t_ms)


def pose_to_json(pose: PoseFrame) -> dict[str, object]:
    """One frame as plain JSON: time, image size and each landmark by name (null if unseen)."""

    def number(value: float) -> float | None:
        return None if not np.isfinite(value) else round(float(value), 5)

    landmarks = []
    for joint in Joint:
        x, y, z = pose.image_xyz[joint]
        wx, wy, wz = pose.world_xyz[joint]
        landmarks.append(
            {
                "id": int(joint),
                "name": joint.name,
                "x": number(x),
                "y": number(y),
                "z": number(z),
                "visibility": number(pose.visibility[joint]),
                "world_m": [number(wx), number(wy), number(wz)],
            }
        )
    return {
        "t_ms": round(pose.t_ms, 3),
        "image_size": list(pose.image_size),
        "detected": pose.detected,
        "people_count": pose.people_count,
        "landmarks": landmarks if pose.detected else [],
    }


def write_json(poses: list[PoseFrame], path: Path, model: str) -> None:
    """Landmarks of one image or every frame of a video as a JSON file."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: output folder {path.parent} does not exist")
    document = {"model": model, "frames": [pose_to_json(p) for p in poses]}
    write_text_atomically(path, json.dumps(document, indent=1))
