"""Writing a live session: committed rep by rep, as the engine counts.

If the browser tab closes, the process is killed or the camera drops, every rep counted so far
is already in the database; the session row stays "in progress" until `close_stale_sessions`
(liveness.py) marks it interrupted.

    with SessionRecorder.start(db, actor, patient_id) as recorder:
        recorder.begin_set("knee_extension", Side.LEFT, prescription_item_id=item_id)
        for event in engine_events:
            recorder.record_event(event)   # commits each completed/partial rep and hold
        recorder.end_set(set_result.figures)
        recorder.check_in(pain_before=3, pain_after=4, effort_rpe=5)
    # leaving the block: completed (or interrupted, if an exception escaped)

A closed session (completed or interrupted) is never reopened. When a rep, hold, cue or new
set comes for a session that was closed as stale meanwhile (the patient came back after the
page gave up on them), the recorder starts a continuation session, with the open set again,
and writes there: nothing is lost and the closed session's status, end and reps stay. What
is not new data still goes where the recorder is: a set's end and summary, a check-in (the
live page asks for one after the end), a heartbeat (no effect on a closed session).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.core.check_in import CheckInValues
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import (
    EngineEvent,
    EventKind,
    FormIssue,
    HoldResult,
    RepResult,
    SetFigures,
    SetResult,
    Side,
)
from rehab.domain import SessionSource, SessionStatus
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.database import Database, run_transaction
from rehab.store.liveness import process_owner
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    LandmarkStreamRow,
)
from rehab.store.rollup import refresh_set_stats
from rehab.store.rows import check_check_in, fill_check_in, hold_row, issue_row, rep_row
from rehab.store.times import Clock, utc_now
from rehab.streamfile import save_stream

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _OpenSet:
    """The set being written: what a continuation session opens again."""

    exercise_id: str
    side: Side
    prescription_item_id: int | None
    pose_model: str | None = None


@dataclass(frozen=True)
class _Place:
    """Where a write lands: the session (maybe a continuation) and its open set."""

    session_id: int
    set_id: int | None

    def open_set(self) -> int:
        if self.set_id is None:
            raise StoreError("no set is open: call begin_set() first")
        return self.set_id


class SessionRecorder:
    """Writes one exercise session; every method commits its own short transaction."""

    def __init__(self, db: Database, actor: Actor, session_id: int, clock: Clock = utc_now) -> None:
        self.db = db
        self.actor = actor
        self.session_id = session_id
        self.clock = clock
        self.set_id: int | None = None
        self.rep_count = 0
        self._open: _OpenSet | None = None
        self._finished = False

    @classmethod
    def start(
        cls,
        db: Database,
        actor: Actor,
        patient_id: int,
        *,
        source: SessionSource = SessionSource.LIVE,
        prescription_id: int | None = None,
        clock: Clock = utc_now,
        notes: str = "",
    ) -> SessionRecorder:
        """Open a new in-progress session for a patient the actor may record for."""
        started = clock()

        def work(session: Session) -> int:
            check_patient_access(session, actor, patient_id)
            row = ExerciseSession(
                patient_id=patient_id,
                prescription_id=prescription_id,
                started_at=started,
                last_activity_at=started,
                owner=process_owner(),
                source=SessionSource(source).value,
                status=SessionStatus.IN_PROGRESS.value,
                notes=notes,
            )
            session.add(row)
            session.flush()
            audit(session, actor, AuditAction.CREATE, "session", patient_id, row.id)
            return row.id

        session_id = run_transaction(db, work, what="new session")
        log.info("session #%d started (%s)", session_id, source)
        return cls(db, actor, session_id, clock)

    # -- sets -------------------------------------------------------------------------------

    def begin_set(
        self,
        exercise_id: str,
        side: Side = Side.BOTH,
        prescription_item_id: int | None = None,
        pose_model: str | None = None,
    ) -> int:
        """Start a set of `exercise_id`; the reps recorded next belong to it. `pose_model`:
        the model whose landmarks are counted (e.g. "blazepose-lite"), when known."""
        plan = _OpenSet(exercise_id, Side(side), prescription_item_id, pose_model)
        now = self.clock()

        def work(session: Session, place: _Place) -> int:
            return _new_set(session, place.session_id, plan, now)

        set_id = self._write(work, "new set", reopen=False)
        self.set_id, self._open = set_id, plan
        return set_id

    def end_set(self, figures: SetFigures | None = None, warnings: Iterable[str] = ()) -> None:
        """Close the open set, with the engine's SetResult.figures and .warnings."""
        self._require_set()
        now = self.clock()

        def work(session: Session, place: _Place) -> None:
            row = session.get(ExerciseSet, place.open_set())
            if row is None:
                raise NotFound(f"set #{place.set_id} is gone")
            row.ended_at = now
            row.extra = (figures or SetFigures()).to_json()
            row.warnings = [str(w) for w in warnings]

        self._write(work, "end of set", resume=False)  # the set's summary, not new data
        self.set_id, self._open = None, None

    def record_set(
        self, result: SetResult, side: Side = Side.BOTH, prescription_item_id: int | None = None
    ) -> int:
        """A whole set at once (an uploaded video or a replay): its reps, holds and extras."""
        self.begin_set(result.exercise_id, side, prescription_item_id)

        def add_reps(session: Session, place: _Place) -> None:
            for rep in result.reps:
                self._add_rep(session, place.open_set(), rep)
            refresh_set_stats(session, [place.open_set()])

        def add_holds(session: Session, place: _Place) -> None:
            for hold in result.holds:
                self._add_hold(session, place.open_set(), hold)

        self._write(add_reps, "reps")
        self._write(add_holds, "holds")
        set_id = self._require_set()
        self.end_set(result.figures, result.warnings)
        return set_id

    # -- reps, holds, cues --------------------------------------------------------------------

    def record_rep(self, rep: RepResult) -> int:
        """Commit one rep (complete or partial) with its form issues, now."""
        self._require_set()

        def work(session: Session, place: _Place) -> int:
            rep_id = self._add_rep(session, place.open_set(), rep)
            refresh_set_stats(session, [place.open_set()])
            return rep_id

        rep_id = self._write(work, "rep")
        self.rep_count += int(rep.complete)
        return rep_id

    def record_hold(self, hold: HoldResult) -> int:
        self._require_set()
        return self._write(lambda s, place: self._add_hold(s, place.open_set(), hold), "hold")

    def record_form_issue(self, issue: FormIssue) -> int:
        """A form cue outside any rep or hold (e.g. given while setting up)."""
        self._require_set()

        def work(session: Session, place: _Place) -> int:
            row = issue_row(place.open_set(), issue)
            session.add(row)
            session.flush()
            return row.id

        return self._write(work, "form issue")

    def record_event(self, event: EngineEvent) -> None:
        """Store what an engine event carries: a rep, a hold or a stand-alone form cue."""
        self.record_events([event])

    @staticmethod
    def stores(event: EngineEvent) -> bool:
        """Whether `record_events` stores anything of this event (a rep, a hold or a
        stand-alone form cue; not a rep's start or peak, a hold's progress, tracking)."""
        return _carried(event)

    def record_events(self, events: Iterable[EngineEvent]) -> None:
        """Store several engine events in one transaction (a burst is one commit): all of
        them, or on an error none of them; what was committed before stays."""
        stored = [event for event in events if _carried(event)]
        if not stored:
            return
        self._require_set()

        def work(session: Session, place: _Place) -> None:
            set_id = place.open_set()
            for event in stored:
                if event.kind in _REP_KINDS and event.rep is not None:
                    self._add_rep(session, set_id, event.rep)
                elif event.kind is EventKind.HOLD_COMPLETED and event.hold is not None:
                    self._add_hold(session, set_id, event.hold)
                elif event.form_issue is not None:  # a stand-alone form cue
                    session.add(issue_row(set_id, event.form_issue))
            if any(event.kind in _REP_KINDS for event in stored):
                refresh_set_stats(session, [set_id])

        self._write(work, "reps" if len(stored) > 1 else "rep")
        self.rep_count += sum(int(e.rep.complete) for e in stored if e.kind in _REP_KINDS and e.rep)

    # -- the rest of a session ---------------------------------------------------------------

    def check_in(
        self,
        pain_before: int | None = None,
        pain_after: int | None = None,
        effort_rpe: int | None = None,
        comment: str = "",
    ) -> int:
        """The patient's pain (0-10) before/after and effort (RPE 0-10) for this session
        (also once it is closed: the live page asks after the end); skipped questions stay
        None (a check-in with no value at all reads as skipped). Replaces the session's
        earlier check-in."""
        values = CheckInValues(pain_before, pain_after, effort_rpe, comment)
        check_check_in(values)
        now = self.clock()

        def work(session: Session, place: _Place) -> int:
            row = _session_row(session, place.session_id)
            existing = session.scalar(select(CheckIn).where(CheckIn.session_id == row.id))
            check = existing or CheckIn(patient_id=row.patient_id, session_id=row.id)
            session.add(fill_check_in(check, values, now))
            session.flush()
            return check.id

        return self._write(work, "check-in", resume=False)

    def store_landmarks(self, stream: LandmarkStream, set_id: int | None = None) -> int:
        """Keep the landmark stream for replay: only if the patient opted in."""
        with tempfile.TemporaryDirectory() as folder:
            path = save_stream(stream, Path(folder) / "stream.npz")
            blob = path.read_bytes()

        def work(session: Session, place: _Place) -> int:
            row = _session_row(session, place.session_id)
            patient = check_patient_access(session, self.actor, row.patient_id)
            if not patient.store_landmarks:
                raise AccessDenied(
                    f"patient #{row.patient_id} has not opted in to storing landmark streams"
                )
            stored = LandmarkStreamRow(
                session_id=row.id,
                set_id=set_id,
                n_frames=len(stream),
                fps=float(stream.info.fps),
                npz=blob,
            )
            session.add(stored)
            session.flush()
            return stored.id

        return self._write(work, "landmark stream")

    def heartbeat(self) -> None:
        """Tell the store this live session is still going (between sets, during rests)."""
        self._write(lambda _session, _place: None, "heartbeat", resume=False)

    def finish(self, status: SessionStatus = SessionStatus.COMPLETED) -> None:
        """Close the session (completed, or interrupted when the camera dropped). A session
        already closed as stale keeps the status it was given."""
        now = self.clock()

        def work(session: Session, place: _Place) -> None:
            row = _session_row(session, place.session_id)
            if row.status != SessionStatus.IN_PROGRESS.value:
                return
            row.status = status.value
            row.ended_at = now
            row.owner = None
            if place.set_id is not None:
                open_set = session.get(ExerciseSet, place.set_id)
                if open_set is not None and open_set.ended_at is None:
                    open_set.ended_at = now

        self._write(work, "end of session", resume=False)
        self._finished = True
        self.set_id, self._open = None, None
        log.info("session #%d %s", self.session_id, status.value)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._finished:
            return
        self.finish(SessionStatus.COMPLETED if exc is None else SessionStatus.INTERRUPTED)

    # -- helpers ------------------------------------------------------------------------------

    def _write(
        self,
        work: Callable[[Session, _Place], T],
        what: str,
        *,
        resume: bool = True,
        reopen: bool = True,
    ) -> T:
        """Run `work` in one transaction at the session's current place, touching the
        session's activity first. With `resume`, a session closed meanwhile is continued in
        a new one (with the open set again when `reopen`)."""
        now = self.clock()
        open_set = self._open if reopen else None

        def wrapped(session: Session) -> tuple[_Place, T]:
            place = self._place(session, now, open_set, resume=resume)
            return place, work(session, place)

        place, out = run_transaction(self.db, wrapped, what=what)
        if place.session_id != self.session_id:
            log.warning(
                "session #%d was closed meanwhile: continuing in session #%d",
                self.session_id,
                place.session_id,
            )
            self.session_id, self.set_id = place.session_id, place.set_id
        return out

    def _place(
        self, session: Session, now: dt.datetime, open_set: _OpenSet | None, *, resume: bool
    ) -> _Place:
        row = _session_row(session, self.session_id)
        if row.status == SessionStatus.IN_PROGRESS.value:
            if now > row.last_activity_at:
                row.last_activity_at = now
            return _Place(row.id, self.set_id)
        if not resume or self._finished:
            return _Place(row.id, self.set_id)
        return self._continuation(session, row, now, open_set)

    def _continuation(
        self,
        session: Session,
        closed: ExerciseSession,
        now: dt.datetime,
        open_set: _OpenSet | None,
    ) -> _Place:
        row = ExerciseSession(
            patient_id=closed.patient_id,
            prescription_id=closed.prescription_id,
            started_at=now,
            last_activity_at=now,
            owner=process_owner(),
            source=closed.source,
            status=SessionStatus.IN_PROGRESS.value,
            notes=closed.notes,
        )
        session.add(row)
        session.flush()
        audit(session, self.actor, AuditAction.CREATE, "session", closed.patient_id, row.id)
        set_id = _new_set(session, row.id, open_set, now) if open_set is not None else None
        return _Place(row.id, set_id)

    def _require_set(self) -> int:
        if self.set_id is None:
            raise StoreError("no set is open: call begin_set() first")
        return self.set_id

    def _add_rep(self, session: Session, set_id: int, rep: RepResult) -> int:
        row = rep_row(set_id, rep, self.clock())
        session.add(row)
        session.flush()
        for issue in rep.form_issues:
            session.add(issue_row(set_id, issue, rep_id=row.id))
        return row.id

    def _add_hold(self, session: Session, set_id: int, hold: HoldResult) -> int:
        row = hold_row(set_id, hold, self.clock())
        session.add(row)
        session.flush()
        for issue in hold.form_issues:
            session.add(issue_row(set_id, issue, hold_id=row.id))
        return row.id


_REP_KINDS = (EventKind.REP_COMPLETED, EventKind.PARTIAL_REP)


def _carried(event: EngineEvent) -> bool:
    """Whether the event carries something stored: a rep, a hold or a stand-alone form cue."""
    if event.kind in _REP_KINDS:
        return event.rep is not None
    if event.kind is EventKind.HOLD_COMPLETED:
        return event.hold is not None
    return event.kind is EventKind.FORM_CUE and event.form_issue is not None and event.rep is None


def _session_row(session: Session, session_id: int) -> ExerciseSession:
    row = session.get(ExerciseSession, session_id)
    if row is None:
        raise NotFound(f"session #{session_id} is gone")
    return row


def _new_set(session: Session, session_id: int, plan: _OpenSet, now: dt.datetime) -> int:
    done = session.scalar(
        select(func.count(ExerciseSet.id)).where(
            ExerciseSet.session_id == session_id, ExerciseSet.exercise_id == plan.exercise_id
        )
    )
    row = ExerciseSet(
        session_id=session_id,
        prescription_item_id=plan.prescription_item_id,
        exercise_id=plan.exercise_id,
        set_index=(done or 0) + 1,
        side=plan.side.value,
        pose_model=plan.pose_model,
        started_at=now,
        extra={},
        warnings=[],
    )
    session.add(row)
    session.flush()
    return row.id
