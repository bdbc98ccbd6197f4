"""What a pose estimator is asked to do: one options object, checked when it is made.

options = PoseOptions(model="heavy")                      # recorded video
options = PoseOptions.live()                              # webcam: full + people checks
estimator = create_estimator(options)                     # rehab.pose.backends
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rehab.pose.models import DEFAULT_LIVE_MODEL, DEFAULT_VIDEO_MODEL, PEOPLE_CHECK_MODEL

DEFAULT_BACKEND = "mediapipe-tasks"
LIVE_PEOPLE_CHECK_MS = 1000.0  # while counting live: look for a second person once a second


class RunningMode(StrEnum):
    VIDEO = "video"  # frames of one stream in time order: tracks between frames
    IMAGE = "image"  # each image on its own


@dataclass(frozen=True)
class PoseOptions:
    """model: `lite`, `full`, `heavy` or a `.task` path (None: DEFAULT_VIDEO_MODEL).
    num_poses: how many people the tracker follows at most (1: the cost of one person;
    more makes it look for new people on every frame, about x1.6).
    people_check_interval_ms: how often a second, light landmarker counts the people in
    the frame (None: never, 0: every frame); each PoseFrame carries the last count."""

    model: str | Path | None = None
    backend: str = DEFAULT_BACKEND
    running_mode: RunningMode = RunningMode.VIDEO
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    people_check_interval_ms: float | None = None
    people_check_model: str | Path = PEOPLE_CHECK_MODEL

    def __post_init__(self) -> None:
        if not 1 <= self.num_poses <= 10:
            raise ValueError(f"num_poses must be 1..10 (got {self.num_poses})")
        for name in ("min_detection_confidence", "min_presence_confidence",
                     "min_tracking_confidence"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1 (got {value})")
        interval = self.people_check_interval_ms
        if interval is not None and (math.isnan(interval) or interval < 0):
            raise ValueError(f"people_check_interval_ms must be >= 0 or None (got {interval})")
        object.__setattr__(self, "running_mode", RunningMode(self.running_mode))

    @classmethod
    def live(cls, model: str | Path | None = None) -> PoseOptions:
        """The webcam: one tracked person, a people check every LIVE_PEOPLE_CHECK_MS."""
        return cls(model=model or DEFAULT_LIVE_MODEL, people_check_interval_ms=LIVE_PEOPLE_CHECK_MS)

    @classmethod
    def image(cls, model: str | Path | None = None) -> PoseOptions:
        return cls(model=model or DEFAULT_VIDEO_MODEL, running_mode=RunningMode.IMAGE)

    def replace(self, **changes: object) -> PoseOptions:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
