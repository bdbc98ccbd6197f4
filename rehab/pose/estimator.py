"""BlazePose through MediaPipe's Tasks API (`PoseLandmarker`): RGB image in, PoseFrame out.

One estimator per stream: video mode tracks between frames, so never share one between two
cameras or videos. Made by `rehab.pose.backends.create_estimator(options)`.

- The tracker asks for `options.num_poses` poses (1 by default: MediaPipe runs its person
  detector only while it tracks fewer poses than that, so 2 would cost x1.6 on every frame
  with one person in view).
- With several poses, the one that follows the pose of the previous frame is kept (the
  patient being tracked), never the largest or the nearest.
- People are counted by a second landmarker (IMAGE mode, the lite model, up to 2 poses)
  every `options.people_check_interval_ms`; every PoseFrame carries the latest count in
  `people_count` (carried forward between checks; -1 when this estimator never counts).
"""

from __future__ import annotations

import logging
import math
import os
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from rehab.core.landmarks import PoseFrame
from rehab.errors import InputError
from rehab.pose.keypoints import BLAZEPOSE_33, KeypointMapping
from rehab.pose.models import PoseModel, resolve_model
from rehab.pose.options import PoseOptions, RunningMode

# MediaPipe's C++ side logs to stderr through glog; keep the CLI quiet unless asked.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

log = logging.getLogger(__name__)

PEOPLE_CHECK_POSES = 2  # enough to tell "alone" from "not alone"
NOT_COUNTED = -1


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


def mediapipe_version() -> str:
    import mediapipe

    return str(getattr(mediapipe, "__version__", "unknown"))


def contiguous_rgb(rgb: np.ndarray) -> np.ndarray:
    """The image as a C-contiguous RGB uint8 array. mediapipe >= 0.10.30 silently misreads a
    strided array (PyAV pads rows, e.g. 600 px wide -> stride 1824): 0 poses, no error."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def _landmarker(model: PoseModel, options: PoseOptions, mode: RunningMode, poses: int) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    video = mode is RunningMode.VIDEO
    task_options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model.path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=poses,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
    )
    try:
        return vision.PoseLandmarker.create_from_options(task_options)
    except (RuntimeError, ValueError) as exc:
        raise InputError(f"{model.path}: not a usable pose landmarker bundle ({exc})") from exc


def follow_index(candidates: list[np.ndarray], previous: np.ndarray | None) -> int:
    """Which of several (33, 2) poses continues `previous` (the nearest by the median
    distance of the joints seen in both); the first one when there is nothing to follow."""
    if previous is None or len(candidates) < 2:
        return 0

    def distance(pose: np.ndarray) -> float:
        gaps = np.linalg.norm(pose - previous, axis=1)
        gaps = gaps[np.isfinite(gaps)]
        return float(np.median(gaps)) if gaps.size else math.inf

    return min(range(len(candidates)), key=lambda i: distance(candidates[i]))


class PeopleCounter:
    """Counts the people in a frame now and then with a light IMAGE-mode landmarker."""

    def __init__(self, options: PoseOptions, interval_ms: float) -> None:
        self.interval_ms = interval_ms
        model = resolve_model(options.people_check_model)
        self._landmarker = _landmarker(model, options, RunningMode.IMAGE, PEOPLE_CHECK_POSES)
        self._last_check_ms = -math.inf
        self.count = NOT_COUNTED

    def update(self, mp_image: Any, t_ms: float) -> int:
        """The latest count, after a new check when one is due."""
        if t_ms - self._last_check_ms >= self.interval_ms or t_ms < self._last_check_ms:
            self.count = len(self._landmarker.detect(mp_image).pose_landmarks)
            self._last_check_ms = t_ms
        return self.count

    def close(self) -> None:
        self._landmarker.close()


class TasksPoseEstimator:
    """BlazePose lite/full/heavy (or any pose landmarker `.task`) on the Tasks API."""

    def __init__(self, options: PoseOptions, keypoints: KeypointMapping = BLAZEPOSE_33) -> None:
        self.options = options
        self.keypoints = keypoints
        self.model = resolve_model(options.model)
        self.model_name = f"{self.model.name} (mediapipe {mediapipe_version()})"
        self._landmarker = _landmarker(self.model, options, options.running_mode, options.num_poses)
        interval = options.people_check_interval_ms
        self._people = PeopleCounter(options, interval) if interval is not None else None
        self._last_ts_ms = -1
        self._previous_xy: np.ndarray | None = None

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        import mediapipe as mp

        image = contiguous_rgb(rgb)
        height, width = image.shape[:2]
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=image)
        result = self._detect(mp_image, t_ms)
        poses = result.pose_landmarks
        people = self._count_people(mp_image, t_ms, len(poses))
        if not poses:
            self._previous_xy = None
            return PoseFrame.empty(t_ms, (width, height), people_count=people)
        image_xyzv = [self._scatter(pose, ("x", "y", "z", "visibility")) for pose in poses]
        best = follow_index([p[:, :2] for p in image_xyzv], self._previous_xy)
        chosen = image_xyzv[best]
        world = result.pose_world_landmarks
        world_xyz = (
            self._scatter(world[best], ("x", "y", "z"))
            if world and len(world) > best
            else np.full((len(chosen), 3), np.nan)
        )
        self._previous_xy = chosen[:, :2]
        return PoseFrame(
            float(t_ms), chosen[:, :3], world_xyz, chosen[:, 3], (width, height), people
        )

    def _detect(self, mp_image: Any, t_ms: float) -> Any:
        if self.options.running_mode is RunningMode.IMAGE:
            return self._landmarker.detect(mp_image)
        # The Tasks API demands strictly increasing integer milliseconds.
        ts_ms = max(round(t_ms), self._last_ts_ms + 1)
        self._last_ts_ms = ts_ms
        return self._landmarker.detect_for_video(mp_image, ts_ms)

    def _count_people(self, mp_image: Any, t_ms: float, tracked: int) -> int:
        if self.options.num_poses > 1:  # the tracker itself looks for everyone, every frame
            return tracked
        if self._people is None:
            return NOT_COUNTED
        return max(self._people.update(mp_image, t_ms), tracked)

    def _scatter(self, landmarks: Any, fields: tuple[str, ...]) -> np.ndarray:
        values = [[getattr(p, name) for name in fields] for p in landmarks]
        return self.keypoints.scatter(values, len(fields))

    def close(self) -> None:
        self._landmarker.close()
        if self._people is not None:
            self._people.close()

    def __enter__(self) -> TasksPoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
