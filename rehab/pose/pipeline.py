"""Run BlazePose over an image or a video: landmarks, annotated output, landmark streams."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rehab.errors import InputError
from rehab.landmarks import Joint, LandmarkStream, PoseFrame, StreamInfo
from rehab.pose.drawing import draw_pose
from rehab.pose.estimator import PoseEstimator, create_estimator
from rehab.pose.sources import VideoFile, VideoFrame, prefetch, read_image
from rehab.pose.video_out import H264Writer

ProgressCallback = Callable[[int], None]  # called with the number of frames just done


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
    source: Path, output: Path, task_path: Path | None = None, min_visibility: float = 0.5
) -> ImageResult:
    """Find the pose in an image and write the image with the skeleton drawn.

    With nobody in the image the output is the image unannotated (not an error).
    """
    _check_output(output, frozenset({".jpg", ".jpeg", ".png"}), "image")
    rgb = read_image(source)
    with create_estimator(mode="image", task_path=task_path) as estimator:
        pose = estimator.estimate(rgb, 0.0)
        model = estimator.model_name
    annotated = draw_pose(rgb, pose, min_visibility)
    if not cv2.imwrite(str(output), cv2.cvtColor(annotated, cv2.COLOR_RGB2BGR)):
        raise InputError(f"{output}: cannot write the image here")
    return ImageResult(pose=pose, output=output, model=model)


def track_video(
    video: VideoFile, estimator: PoseEstimator
) -> Iterator[tuple[VideoFrame, PoseFrame]]:
    """Each decoded frame with its pose; decoding runs one thread ahead of inference."""
    for frame in prefetch(video, depth=8):
        yield frame, estimator.estimate(frame.rgb, frame.t_ms)


def extract_stream(
    source: Path,
    task_path: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> LandmarkStream:
    """The landmark stream of a whole video."""
    with VideoFile(source) as video, create_estimator("video", task_path) as estimator:
        poses = []
        for _frame, pose in track_video(video, estimator):
            poses.append(pose)
            if on_progress:
                on_progress(1)
        info = StreamInfo(video.fps, source.name, estimator.model_name, video.size)
    return LandmarkStream.from_frames(poses, info)


def annotate_video(
    source: Path,
    output: Path,
    task_path: Path | None = None,
    min_visibility: float = 0.5,
    on_progress: ProgressCallback | None = None,
) -> LandmarkStream:
    """Write `output` (H.264 MP4) with the skeleton drawn; return the landmark stream."""
    _check_output(output, frozenset({".mp4"}), "video")
    with VideoFile(source) as video, create_estimator("video", task_path) as estimator:
        poses = []
        with H264Writer(output, video.fps, video.size) as writer:
            for frame, pose in track_video(video, estimator):
                writer.write(draw_pose(frame.rgb, pose, min_visibility), frame.t_ms)
                poses.append(pose)
                if on_progress:
                    on_progress(1)
        info = StreamInfo(video.fps, source.name, estimator.model_name, video.size)
    return LandmarkStream.from_frames(poses, info)


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
        "landmarks": landmarks if pose.detected else [],
    }


def write_json(poses: list[PoseFrame], path: Path, model: str) -> None:
    """Landmarks of one image or every frame of a video as a JSON file."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: output folder {path.parent} does not exist")
    document = {"model": model, "frames": [pose_to_json(p) for p in poses]}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
