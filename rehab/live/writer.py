"""Saving a live session as it goes, on a thread of its own.

The webcam thread never waits on the database: it hands the flow's notes to
`SessionWriter.submit()`, and this thread commits each rep through `SessionRecorder` as soon
as it is counted (the reps of notes queued meanwhile together, in one transaction: a burst
is one commit, and it never waits for more; when that transaction fails, each event is
written again in its own, so no rep is lost because another of the group was refused). If
the tab closes or the process dies, what was counted is already stored; the session row stays
"in progress" until the store's one rule closes it as interrupted (`close_stale_sessions`):
the writer heartbeats every `HEARTBEAT_S` while camera frames arrive, so a session quiet for
`CUT_OFF_AFTER` has nobody behind it.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from rehab.core.check_in import CheckInValues
from rehab.core.results import EngineEvent, EventKind
from rehab.domain import SessionSource, SessionStatus
from rehab.errors import RehabError
from rehab.live.flow import Counted, Note, SetBegun, SetEnded
from rehab.store import Actor, Database, SessionRecorder

log = logging.getLogger(__name__)

HEARTBEAT_S = 20.0  # a write at least this often while the session is live
MAX_DRAIN = 64  # commands taken off the queue at once
IDLE_S = 60.0  # no camera frame for this long: the session is no longer live (no heartbeat)
CUT_OFF_AFTER = dt.timedelta(seconds=IDLE_S + 2 * HEARTBEAT_S)


@dataclass(frozen=True)
class Finish:
    status: SessionStatus


@dataclass(frozen=True)
class Abandon:
    """Stop writing and end the thread, leaving the session row as it is: in progress until
    the store's one rule closes it as interrupted (the patient's connection was lost)."""


Command = Note | Finish | Abandon


def save_check_in(db: Database, actor: Actor, session_id: int, values: CheckInValues) -> int:
    """Save the patient's check-in for a live session (pain before at its start; pain after
    and effort at its end, kept with the pain before): the one way the live path saves one.
    Returns the check-in's id."""
    recorder = SessionRecorder(db, actor, session_id)
    pain_before, pain_after, effort_rpe = values.pain_before, values.pain_after, values.effort_rpe
    return recorder.check_in(pain_before, pain_after, effort_rpe, values.comment)


class SessionWriter:
    """Consumes notes on a daemon thread; the session row is created at the first set."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        patient_id: int,
        prescription_id: int | None = None,
        pain_before: int | None = None,
        source: SessionSource = SessionSource.LIVE,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.alive = alive  # heartbeats only while frames arrive
        self.actor = actor
        self.patient_id = patient_id
        self.prescription_id = prescription_id
        self.source = source
        self.pain_before = pain_before
        self.recorder: SessionRecorder | None = None
        self.saved_reps = 0
        self.error = ""
        self.finished = False
        self._holds_in_set = 0
        self._queue: queue.Queue[Command] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="rehab-session-writer", daemon=True)
        self._thread.start()

    @property
    def session_id(self) -> int | None:
        return self.recorder.session_id if self.recorder is not None else None

    def submit(self, command: Command) -> None:
        if isinstance(command, Counted) and not any(map(SessionRecorder.stores, command.events)):
            return  # a rep's start or peak, a hold's progress: nothing to save, no hand-off
        self._queue.put(command)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything submitted is saved; False on timeout."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout_s)

    def _run(self) -> None:
        while True:
            try:
                commands = [self._queue.get(timeout=HEARTBEAT_S)]
            except queue.Empty:
                self._safely(self._heartbeat)
                continue
            while len(commands) < MAX_DRAIN:  # what else is queued already: no waiting
                try:
                    commands.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                for group in _runs(commands):
                    if not self.finished:
                        self._safely(partial(self._apply, group))
            finally:
                for _ in commands:
                    self._queue.task_done()
            if self.finished:
                return

    def _safely(self, work: Callable[[], None]) -> None:
        try:
            work()
        except RehabError as exc:
            self.error = f"Could not save to the database: {exc}"
            log.exception("live session writer failed (session %s)", self.session_id)

    def _heartbeat(self) -> None:
        if self.recorder is not None and not self.finished and self.alive():
            self.recorder.heartbeat()

    def _apply(self, command: Command | list[Counted]) -> None:
        if isinstance(command, list):
            self._counted(command)
        elif isinstance(command, SetBegun):
            self._begin(command)
        elif isinstance(command, SetEnded):
            self._ended(command)
        elif isinstance(command, Finish):
            self._finish(command.status)
        elif isinstance(command, Abandon):
            self.finished = True

    def _ensure_session(self) -> SessionRecorder:
        if self.recorder is None:
            self.recorder = SessionRecorder.start(
                self.db,
                self.actor,
                self.patient_id,
                source=self.source,
                prescription_id=self.prescription_id,
            )
            if self.pain_before is not None:
                values = CheckInValues(pain_before=self.pain_before)
                save_check_in(self.db, self.actor, self.recorder.session_id, values)
        return self.recorder

    def _begin(self, note: SetBegun) -> None:
        recorder = self._ensure_session()
        plan = note.plan
        recorder.begin_set(
            plan.exercise_id,
            plan.side,
            prescription_item_id=plan.item_id,
            pose_model=note.pose_model,
        )
        self._holds_in_set = 0

    def _counted(self, notes: list[Counted]) -> None:
        """The notes' events in one transaction; when it fails, each event again in its own
        (a rep is never lost because another one of the group could not be written)."""
        recorder = self._ensure_session()
        events = [event for note in notes for event in note.events]
        try:
            recorder.record_events(events)  # one transaction: all or none
            saved = events
        except RehabError:
            if len(events) < 2:
                raise
            log.warning("saving %d events together failed: saving them one by one", len(events))
            saved = [event for event in events if self._one_event(recorder, event)]
        finally:
            self.saved_reps = recorder.rep_count
        self._holds_in_set += sum(event.kind is EventKind.HOLD_COMPLETED for event in saved)

    def _one_event(self, recorder: SessionRecorder, event: EngineEvent) -> bool:
        """One event in its own transaction; False (and the error kept) when it failed."""
        try:
            recorder.record_events([event])
        except RehabError as exc:
            self.error = f"Could not save to the database: {exc}"
            log.exception("live session writer: an event at %.0f ms was not saved", event.t_ms)
            return False
        return True

    def _ended(self, note: SetEnded) -> None:
        recorder = self._ensure_session()
        if self._holds_in_set == 0:
            for hold in note.result.holds:
                recorder.record_hold(hold)
        recorder.end_set(note.result.figures, note.result.warnings)

    def _finish(self, status: SessionStatus) -> None:
        if self.recorder is not None and not self.finished:
            self.recorder.finish(status)
        self.finished = True


def _runs(commands: list[Command]) -> list[Command | list[Counted]]:
    """The commands in order, each run of consecutive `Counted` notes as one list."""
    out: list[Command | list[Counted]] = []
    for command in commands:
        if isinstance(command, Counted):
            last = out[-1] if out else None
            if isinstance(last, list):
                last.append(command)
            else:
                out.append([command])
        else:
            out.append(command)
    return out
