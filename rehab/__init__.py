"""Rehabilitation exercise tracker built on BlazePose (MediaPipe Pose)."""

__version__ = "0.1.0"
