"""The clinic's vocabulary that the store, the pages and the CLI share: who a user is, and
where a session came from and how it ended.

Plain enumerations, no database: the UI imports them from here without the ORM, and the
store's models (`rehab.store.models`) use them for their CHECK constraints.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    THERAPIST = "therapist"
    PATIENT = "patient"


class SessionSource(StrEnum):
    LIVE = "live"  # webcam, reps written as they are counted
    UPLOAD = "upload"  # a recorded video analysed after the fact
    REPLAY = "replay"  # a stored landmark stream analysed again
    ON_DEVICE = "on_device"  # pose found in the patient's browser, counted by the server
    MANUAL = "manual"  # logged by the patient without a camera: self-reported, nothing counted

    @property
    def self_reported(self) -> bool:
        """The patient's own account, not counted by the engine."""
        return self is SessionSource.MANUAL


# How the pages and reports name where a session came from, by the stored value (sources
# other branches of the clinic add, "on_device" and "manual", are named here already).
SOURCE_LABELS = {
    "live": "home live",
    "on_device": "on-device",
    "upload": "upload in clinic",
    "manual": "manual log",
    "replay": "replay",
}


def source_label(source: str) -> str:
    """'home live', 'upload in clinic', ... (the stored value itself when unknown)."""
    return SOURCE_LABELS.get(source, source.replace("_", " "))


def condition_text(condition: str, side: str) -> str:
    """A condition with the affected side, unless the words already say it: 'knee OA
    (left)', but 'left shoulder' (not 'left shoulder (left)'); no side for 'both'."""
    words = set(re.findall(r"[a-z]+", condition.lower()))
    if side not in ("left", "right") or side in words:
        return condition
    return f"{condition} ({side})" if condition.strip() else side


def condition_line(condition: str, side: str) -> str:
    """A header's condition and affected side, the side said once: 'knee OA (left)',
    'left shoulder', 'back pain · affected side: both'."""
    said = condition_text(condition, side)
    return said if side in ("left", "right") else f"{said} · affected side: {side}"


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"  # the tab closed, the process died or the camera dropped

    @property
    def is_closed(self) -> bool:
        """Completed or interrupted: final, never reopened."""
        return self is not SessionStatus.IN_PROGRESS


class JobKind(StrEnum):
    """Work on uploaded media, done by `rehab worker` away from the web server."""

    ANALYSE_VIDEO = "analyse_video"  # count an exercise, draw the skeleton on the video
    ANNOTATE_IMAGE = "annotate_image"  # draw the skeleton on a photo
    ANNOTATE_VIDEO = "annotate_video"  # draw the skeleton on a video (no counting)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
