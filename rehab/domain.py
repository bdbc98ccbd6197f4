"""The clinic's vocabulary that the store, the pages and the CLI share: who a user is, and
where a session came from and how it ended.

Plain enumerations, no database: the UI imports them from here without the ORM, and the
store's models (`rehab.store.models`) use them for their CHECK constraints.
"""

from __future__ import annotations

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


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"  # the tab closed, the process died or the camera dropped

    @property
    def is_closed(self) -> bool:
        """Completed or interrupted: final, never reopened."""
        return self is not SessionStatus.IN_PROGRESS
