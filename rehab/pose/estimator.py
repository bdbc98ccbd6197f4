"""BlazePose estimators: RGB image in, PoseFrame out.

Default: MediaPipe's legacy `solutions.pose` with the full model bundled in the mediapipe
0.10.21 wheel (works offline). Option: a user-supplied `.task` bundle (lite/full/heavy)
through the Tasks API. One estimator per stream: video mode tracks between frames, so
never share one between two cameras or videos.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

import numpy as np

from rehab.core.landmarks import N_JOINTS, PoseFrame
from rehab.errors import InputError

# MediaPipe's C++ side logs to stderr through glog; keep the CLI quiet unless asked.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

log = logging.getLogger(__name__)

Mode = Literal["video", "image"]


class PoseEstimator(Protocol):
    """What every estimator offers: estimate(), close(), and use as a context manager."""

    model_name: str

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame: ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseEstimator: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def _mediapipe_version() -> str:
    import mediapipe

    return str(getattr(mediapipe, "__version__", "unknown"))


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def _landmarks_to_arrays(
    image_landmarks: Any, world_landmarks: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = np.array([(p.x, p.y, p.z) for p in image_landmarks], dtype=np.float64)
    visibility = np.array([p.visibility for p in image_landmarks], dtype=np.float64)
    if world_landmarks is None:
        world = np.full((N_JOINTS, 3), np.nan)
    else:
        world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float64)
    return image, world, visibility


class _EstimatorBase:
    model_name: str

    def __enter__(self) -> _EstimatorBase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class BlazePoseEstimator(_EstimatorBase):
    """BlazePose full model through MediaPipe's bundled `solutions.pose` graph (offline)."""

    def __init__(
        self,
        mode: Mode = "video",
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        import mediapipe as mp

        self.mode = mode
        self.model_name = f"blazepose-full (mediapipe {_mediapipe_version()})"
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=(mode == "image"),
            model_complexity=1,  # the only model shipped in the wheel
            smooth_landmarks=True,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        image = _check_rgb(rgb)
        height, width = image.shape[:2]
        result = self._pose.process(image)
        if result.pose_landmarks is None:
            return PoseFrame.empty(t_ms, (width, height))
        world = result.pose_world_landmarks
        xyz, world_xyz, visibility = _landmarks_to_arrays(
            result.pose_landmarks.landmark, world.landmark if world is not None else None
        )
        return PoseFrame(float(t_ms), xyz, world_xyz, visibility, (width, height))

    def close(self) -> None:
        self._pose.close()


class TaskPoseEstimator(_EstimatorBase):
    """BlazePose through the Tasks API with a user-supplied `.task` bundle (lite/full/heavy).

    Asks for up to `max_people` poses and keeps the largest (the person nearest the camera);
    `last_people_count` tells the caller how many were seen, to warn about a crowded frame.
    """

    def __init__(self, task_path: str | Path, mode: Mode = "video", max_people: int = 2) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        path = Path(task_path)
        if not path.is_file():
            raise InputError(f"{path}: no such model file (expected a MediaPipe .task bundle)")
        running_mode = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=running_mode,
            num_poses=max_people,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise InputError(f"{path}: not a usable pose landmarker bundle ({exc})") from exc
        self.mode = mode
        self.model_name = f"{path.stem} task (mediapipe {_mediapipe_version()})"
        self.last_people_count = 0
        self._last_ts_ms = -1

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        import mediapipe as mp

        image = _check_rgb(rgb)
        height, width = image.shape[:2]
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=image)
        if self.mode == "video":
            # The Tasks API demands strictly increasing integer milliseconds.
            ts_ms = max(round(t_ms), self._last_ts_ms + 1)
            self._last_ts_ms = ts_ms
            result = self._landmarker.detect_for_video(mp_image, ts_ms)
        else:
            result = self._landmarker.detect(mp_image)
        self.last_people_count = len(result.pose_landmarks)
        if not result.pose_landmarks:
            return PoseFrame.empty(t_ms, (width, height))
        best = _largest_pose_index(result.pose_landmarks)
        world = result.pose_world_landmarks[best] if result.pose_world_landmarks else None
        xyz, world_xyz, visibility = _landmarks_to_arrays(result.pose_landmarks[best], world)
        return PoseFrame(float(t_ms), xyz, world_xyz, visibility, (width, height))

    def close(self) -> None:
        self._landmarker.close()


def _largest_pose_index(poses: list[Any]) -> int:
    def area(landmarks: Any) -> float:
        xs = [p.x for p in landmarks]
        ys = [p.y for p in landmarks]
        return (max(xs) - min(xs)) * (max(ys) - min(ys))

    return max(range(len(poses)), key=lambda i: area(poses[i]))


def create_estimator(mode: Mode = "video", task_path: str | Path | None = None) -> PoseEstimator:
    """The default bundled BlazePose, or the Tasks API when a `.task` file is given."""
    if task_path is not None:
        return TaskPoseEstimator(task_path, mode=mode)
    return BlazePoseEstimator(mode=mode)
