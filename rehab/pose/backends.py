"""Pose backends, chosen by name from a table; each knows how its keypoints map onto our 33
joints. `create_estimator(options)` is the one way the rest of the program gets one.

To add a model with another runtime or another skeleton (e.g. 17 COCO keypoints): write an
estimator class that fills PoseFrames through its `KeypointMapping` (missing joints stay
NaN), and add a row here. See docs/models.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rehab.errors import InputError
from rehab.pose.estimator import PoseEstimator, TasksPoseEstimator
from rehab.pose.keypoints import BLAZEPOSE_33, KeypointMapping
from rehab.pose.options import PoseOptions


@dataclass(frozen=True)
class Backend:
    name: str
    description: str
    keypoints: KeypointMapping
    make: Callable[[PoseOptions, KeypointMapping], PoseEstimator]

    def create(self, options: PoseOptions) -> PoseEstimator:
        return self.make(options, self.keypoints)


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            "mediapipe-tasks",
            "BlazePose GHUM 3D (lite, full, heavy) on MediaPipe's Tasks PoseLandmarker",
            BLAZEPOSE_33,
            TasksPoseEstimator,
        ),
    )
}


def backend_named(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise InputError(f"unknown pose backend {name!r} (known: {known})") from None


def create_estimator(options: PoseOptions | None = None) -> PoseEstimator:
    """A new estimator for one image or one stream, as `options` say (default: video mode,
    DEFAULT_VIDEO_MODEL)."""
    chosen = options or PoseOptions()
    return backend_named(chosen.backend).create(chosen)
