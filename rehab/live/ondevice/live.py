"""One patient's on-device session on the server: the same `SessionFlow` and `SessionWriter`
as the webcam page, fed with landmarks instead of pictures.

It outlives its connection: when the patient's network drops, the session waits (the grace
period) and a reconnection with a good token picks up the same set where it was. Session time
goes on across connections by the real pause, so holds, rests and the counter's filters see
the gap as it was.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rehab.core.exercise import Exercise, localized
from rehab.domain import SessionSource, SessionStatus
from rehab.i18n import translator
from rehab.live.flow import LiveStatus, Note, Phase, SessionFlow, SetBegun, SetPlan
from rehab.live.ondevice.models import recorded_name
from rehab.live.ondevice.protocol import Batch
from rehab.live.ondevice.texts import saved_reps_text
from rehab.live.writer import Abandon, Finish, SessionWriter
from rehab.store import Actor, Database


@dataclass(frozen=True)
class SessionKey:
    """One live on-device session per patient and program in a process."""

    patient_id: int
    prescription_id: int


def status_message(status: LiveStatus, saved_reps: int, saved_text: str) -> dict[str, object]:
    """What the page shows, as plain JSON (rounded so that it changes only when the page would
    show something new)."""
    return {
        "phase": status.phase.value,
        "exercise": status.exercise_name,
        "set": status.set_index,
        "sets": status.sets,
        "item": status.plan_index + 1,
        "items": status.plan_count,
        "reps": status.reps,
        "target": status.target_reps,
        "hold_s": math.floor(status.hold_s),
        "hold_target_s": status.hold_target_s,
        "rest_s": math.ceil(status.rest_left_s),
        "message": status.message,
        "severity": status.severity.value,
        "set_done": status.set_done,
        "saved": saved_reps,
        "saved_text": saved_text,  # "3 reps saved", in the patient's language
    }


class OnDeviceSession:
    """Flow + writer + the session clock; touched only from the server's event loop."""

    def __init__(
        self,
        key: SessionKey,
        actor: Actor,
        plans: Sequence[SetPlan],
        exercises: Callable[[str], Exercise],
        db: Database,
        *,
        language: str,
        pain_before: int | None,
        idle_s: float,
    ) -> None:
        self.key = key
        self.language = language
        _ = translator(language).gettext
        self.flow = SessionFlow(plans, lambda eid: localized(exercises(eid), language), gettext=_)
        self.writer = SessionWriter(
            db,
            actor,
            key.patient_id,
            key.prescription_id,
            pain_before,
            SessionSource.ON_DEVICE,
            alive=lambda: self.seconds_since_frame() < idle_s,
        )
        self.model = "full"
        self.frames = 0
        self.clamped = 0
        self.closed = False
        self._last_t_ms = -math.inf  # session time of the last frame
        self._last_frame_mono = -math.inf
        self._offset_ms: float | None = None  # client time -> session time, per connection
        self._saved_text: tuple[int, str] = (-1, "")

    # -- connections --------------------------------------------------------------------------

    def new_connection(self, model: str) -> None:
        """A (re)connection: its client clock is mapped onto session time at its first frame."""
        self._offset_ms = None
        self.model = model

    def session_times(
        self, client_ms: npt.NDArray[np.float64], fps: float
    ) -> npt.NDArray[np.float64]:
        """Client frame times as session times (the connection's offset set at its first
        frame: the session's last time plus the real pause, at least one frame)."""
        if self._offset_ms is None:
            if math.isinf(self._last_t_ms):
                base = 0.0
            else:
                pause_ms = (time.monotonic() - self._last_frame_mono) * 1000.0
                base = self._last_t_ms + max(1000.0 / fps, pause_ms)
            self._offset_ms = base - float(client_ms[0])
        return client_ms + self._offset_ms

    def seconds_since_frame(self) -> float:
        return time.monotonic() - self._last_frame_mono

    # -- frames and controls ------------------------------------------------------------------

    def step(self, batch: Batch, times_ms: npt.NDArray[np.float64], size: tuple[int, int]) -> None:
        """Run the flow on a batch's frames and hand what must be saved to the writer."""
        for frame in batch.pose_frames(times_ms, size):
            self._dispatch(self.flow.step(frame))
        self.frames += len(batch)
        self.clamped += batch.clamped
        self._last_t_ms = float(times_ms[-1])
        self._last_frame_mono = time.monotonic()

    def end_set(self) -> None:
        self._dispatch(self.flow.end_set())

    def skip_rest(self) -> None:
        self.flow.skip_rest()

    def stop(self) -> None:
        self._dispatch(self.flow.stop())

    def _dispatch(self, notes: list[Note]) -> None:
        for note in notes:
            if isinstance(note, SetBegun):
                note = replace(note, pose_model=recorded_name(self.model))
            self.writer.submit(note)

    @property
    def done(self) -> bool:
        return self.flow.phase is Phase.DONE

    def status(self) -> dict[str, object]:
        saved = self.writer.saved_reps
        if self._saved_text[0] != saved:  # made when the count changes, not every batch
            self._saved_text = (saved, saved_reps_text(self.language, saved))
        return status_message(self.flow.status(), saved, self._saved_text[1])

    def take_speech(self) -> list[str]:
        return self.flow.take_speech()

    # -- the end (blocking: call from a worker thread) ---------------------------------------

    def finish(self, timeout_s: float = 30.0) -> int | None:
        """Save what is left, close the session as completed; its id (None: nothing began)."""
        self.closed = True
        self.writer.submit(Finish(SessionStatus.COMPLETED))
        self.writer.flush(timeout_s)
        return self.writer.session_id

    def abandon(self) -> None:
        """The patient did not come back: stop the writer, leave the row to the store's rule
        (interrupted once quiet for the cut-off; its reps stay)."""
        self.closed = True
        self.writer.submit(Abandon())
