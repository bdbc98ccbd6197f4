"""Writing sessions: a live session is committed rep by rep, as the engine counts.

If the browser tab closes, the process is killed or the camera drops, every rep counted so far
is already in the database; the session row stays "in progress" until the next start of the
app, when `close_stale_sessions` marks it interrupted (its owner process is dead, or it has
had no activity for `STALE_AFTER`).

    with SessionRecorder.start(engine, actor, patient_id) as recorder:
        recorder.begin_set("knee_extension", Side.LEFT, prescription_item_id=item_id)
        for event in engine_events:
            recorder.record_event(event)   # commits each completed/partial rep and hold
        recorder.end_set(set_result.figures)
        recorder.check_in(pain_before=3, pain_after=4, effort_rpe=5)
    # leaving the block: completed (or interrupted, if an exception escaped)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy import Engine, func, select, update
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
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.engine import run_transaction
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    FormIssueRow,
    Hold,
    LandmarkStreamRow,
    Rep,
    SessionSource,
    SessionStatus,
)
from rehab.store.rollup import refresh_set_stats
from rehab.streamfile import load_stream, save_stream

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=30)
T = TypeVar("T")
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def process_owner() -> str:
    """This process as a session owner: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SessionRecorder:
    """Writes one exercise session; every method commits its own short transaction."""

    def __init__(
        self, engine: Engine, actor: Actor, session_id: int, clock: Clock = utc_now
    ) -> None:
        self.engine = engine
        self.actor = actor
        self.session_id = session_id
        self.clock = clock
        self.set_id: int | None = None
        self.rep_count = 0
        self._finished = False

    @classmethod
    def start(
        cls,
        engine: Engine,
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

        session_id = run_transaction(engine, work, what="new session")
        log.info("session #%d started (%s)", session_id, source)
        return cls(engine, actor, session_id, clock)

    # -- sets -------------------------------------------------------------------------------

    def begin_set(
        self, exercise_id: str, side: Side = Side.BOTH, prescription_item_id: int | None = None
    ) -> int:
        """Start a set of `exercise_id`; the reps recorded next belong to it."""
        now = self.clock()

        def work(session: Session) -> int:
            self._touch(session, now)
            done = session.scalar(
                select(func.count(ExerciseSet.id)).where(
                    ExerciseSet.session_id == self.session_id,
                    ExerciseSet.exercise_id == exercise_id,
                )
            )
            row = ExerciseSet(
                session_id=self.session_id,
                prescription_item_id=prescription_item_id,
                exercise_id=exercise_id,
                set_index=(done or 0) + 1,
                side=Side(side).value,
                started_at=now,
                extra={},
                warnings=[],
            )
            session.add(row)
            session.flush()
            return row.id

        self.set_id = run_transaction(self.engine, work, what="new set")
        return self.set_id

    def end_set(self, figures: SetFigures | None = None, warnings: Iterable[str] = ()) -> None:
        """Close the open set, with the engine's SetResult.figures and .warnings."""
        set_id, now = self._current_set(), self.clock()

        def work(session: Session) -> None:
            self._touch(session, now)
            row = session.get(ExerciseSet, set_id)
            if row is None:
                raise NotFound(f"set #{set_id} is gone")
            row.ended_at = now
            row.extra = (figures or SetFigures()).to_json()
            row.warnings = [str(w) for w in warnings]

        run_transaction(self.engine, work, what="end of set")
        self.set_id = None

    def record_set(
        self, result: SetResult, side: Side = Side.BOTH, prescription_item_id: int | None = None
    ) -> int:
        """A whole set at once (an uploaded video or a replay): its reps, holds and extras."""
        set_id = self.begin_set(result.exercise_id, side, prescription_item_id)

        def add_reps(session: Session) -> None:
            for rep in result.reps:
                self._add_rep(session, set_id, rep)
            refresh_set_stats(session, [set_id])

        self._write(add_reps, "reps")
        self._write(lambda s: [self._add_hold(s, set_id, h) for h in result.holds], "holds")
        self.end_set(result.figures, result.warnings)
        return set_id

    # -- reps, holds, cues --------------------------------------------------------------------

    def record_rep(self, rep: RepResult) -> int:
        """Commit one rep (complete or partial) with its form issues, now."""
        set_id = self._current_set()

        def work(session: Session) -> int:
            rep_id = self._add_rep(session, set_id, rep)
            refresh_set_stats(session, [set_id])
            return rep_id

        rep_id = self._write(work, "rep")
        self.rep_count += int(rep.complete)
        return rep_id

    def record_hold(self, hold: HoldResult) -> int:
        set_id = self._current_set()
        return self._write(lambda s: self._add_hold(s, set_id, hold), "hold")

    def record_form_issue(self, issue: FormIssue) -> int:
        """A form cue outside any rep or hold (e.g. given while setting up)."""
        set_id = self._current_set()

        def work(session: Session) -> int:
            row = _issue_row(set_id, issue)
            session.add(row)
            session.flush()
            return row.id

        return self._write(work, "form issue")

    def record_event(self, event: EngineEvent) -> None:
        """Store what an engine event carries: a rep, a hold or a stand-alone form cue."""
        if event.kind in (EventKind.REP_COMPLETED, EventKind.PARTIAL_REP) and event.rep:
            self.record_rep(event.rep)
        elif event.kind is EventKind.HOLD_COMPLETED and event.hold:
            self.record_hold(event.hold)
        elif event.kind is EventKind.FORM_CUE and event.form_issue and event.rep is None:
            self.record_form_issue(event.form_issue)

    def record_events(self, events: Iterable[EngineEvent]) -> None:
        for event in events:
            self.record_event(event)

    # -- the rest of a session ---------------------------------------------------------------

    def check_in(
        self,
        pain_before: int | None = None,
        pain_after: int | None = None,
        effort_rpe: int | None = None,
        comment: str = "",
    ) -> int:
        """The patient's pain (0-10) before/after and effort (RPE 0-10) for this session."""
        _check_values(CheckInValues(pain_before, pain_after, effort_rpe, comment))
        now = self.clock()

        def work(session: Session) -> int:
            row = self._touch(session, now)
            existing = session.scalar(select(CheckIn).where(CheckIn.session_id == row.id))
            check = existing or CheckIn(patient_id=row.patient_id, session_id=row.id)
            check.recorded_at = now
            check.pain_before = pain_before
            check.pain_after = pain_after
            check.effort_rpe = effort_rpe
            check.comment = comment
            session.add(check)
            session.flush()
            return check.id

        return self._write(work, "check-in")

    def store_landmarks(self, stream: LandmarkStream, set_id: int | None = None) -> int:
        """Keep the landmark stream for replay: only if the patient opted in."""
        with tempfile.TemporaryDirectory() as folder:
            path = save_stream(stream, Path(folder) / "stream.npz")
            blob = path.read_bytes()

        def work(session: Session) -> int:
            row = self._touch(session, self.clock())
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
        now = self.clock()
        self._write(lambda s: self._touch(s, now), "heartbeat")

    def finish(self, status: SessionStatus = SessionStatus.COMPLETED) -> None:
        """Close the session (completed, or interrupted when the camera dropped)."""
        now = self.clock()

        def work(session: Session) -> None:
            row = self._touch(session, now)
            row.status = status.value
            row.ended_at = now
            row.owner = None
            if self.set_id is not None:
                open_set = session.get(ExerciseSet, self.set_id)
                if open_set is not None and open_set.ended_at is None:
                    open_set.ended_at = now

        self._write(work, "end of session")
        self._finished = True
        self.set_id = None
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

    def _write(self, work: Callable[[Session], T], what: str) -> T:
        now = self.clock()

        def wrapped(session: Session) -> T:
            self._touch(session, now)  # first: `finish` then sets the final status
            return work(session)

        return run_transaction(self.engine, wrapped, what=what)

    def _current_set(self) -> int:
        if self.set_id is None:
            raise StoreError("no set is open: call begin_set() first")
        return self.set_id

    def _touch(self, session: Session, now: dt.datetime) -> ExerciseSession:
        row = session.get(ExerciseSession, self.session_id)
        if row is None:
            raise NotFound(f"session #{self.session_id} is gone")
        if row.last_activity_at is None or now > row.last_activity_at:
            row.last_activity_at = now
        if row.status == SessionStatus.INTERRUPTED.value and not self._finished:
            row.status = SessionStatus.IN_PROGRESS.value  # closed as stale, but still going
            row.ended_at = None
            row.owner = process_owner()
        return row

    def _add_rep(self, session: Session, set_id: int, rep: RepResult) -> int:
        row = rep_row(set_id, rep, self.clock())
        session.add(row)
        session.flush()
        for issue in rep.form_issues:
            session.add(_issue_row(set_id, issue, rep_id=row.id))
        return row.id

    def _add_hold(self, session: Session, set_id: int, hold: HoldResult) -> int:
        row = hold_row(set_id, hold, self.clock())
        session.add(row)
        session.flush()
        for issue in hold.form_issues:
            session.add(_issue_row(set_id, issue, hold_id=row.id))
        return row.id


def rep_row(set_id: int, rep: RepResult, recorded_at: dt.datetime) -> Rep:
    """The `reps` row for a RepResult (every field; `index` goes to `rep_index`)."""
    return Rep(
        set_id=set_id,
        exercise_id=rep.exercise_id,
        side=Side(rep.side).value,
        rep_index=rep.index,
        start_ms=rep.start_ms,
        peak_ms=rep.peak_ms,
        end_ms=rep.end_ms,
        peak_angle_deg=rep.peak_angle_deg,
        min_angle_deg=rep.min_angle_deg,
        max_angle_deg=rep.max_angle_deg,
        rom_deg=rep.rom_deg,
        concentric_s=rep.concentric_s,
        eccentric_s=rep.eccentric_s,
        hold_s=rep.hold_s,
        complete=rep.complete,
        confidence=rep.confidence,
        recorded_at=recorded_at,
    )


def hold_row(set_id: int, hold: HoldResult, recorded_at: dt.datetime) -> Hold:
    return Hold(
        set_id=set_id,
        exercise_id=hold.exercise_id,
        side=Side(hold.side).value,
        start_ms=hold.start_ms,
        end_ms=hold.end_ms,
        held_s=hold.held_s,
        mean_angle_deg=hold.mean_angle_deg,
        complete=hold.complete,
        confidence=hold.confidence,
        recorded_at=recorded_at,
    )


def _issue_row(
    set_id: int, issue: FormIssue, rep_id: int | None = None, hold_id: int | None = None
) -> FormIssueRow:
    return FormIssueRow(
        set_id=set_id,
        rep_id=rep_id,
        hold_id=hold_id,
        rule_id=issue.rule_id,
        cue=issue.cue,
        severity=issue.severity.value,
        t_ms=issue.t_ms,
    )


def rep_result(row: Rep) -> RepResult:
    """A stored rep back as the engine's RepResult (the round trip is exact)."""
    return RepResult(
        exercise_id=row.exercise_id,
        side=Side(row.side),
        index=row.rep_index,
        start_ms=row.start_ms,
        peak_ms=row.peak_ms,
        end_ms=row.end_ms,
        peak_angle_deg=row.peak_angle_deg,
        min_angle_deg=row.min_angle_deg,
        max_angle_deg=row.max_angle_deg,
        rom_deg=row.rom_deg,
        concentric_s=row.concentric_s,
        eccentric_s=row.eccentric_s,
        hold_s=row.hold_s,
        complete=row.complete,
        confidence=row.confidence,
        form_issues=tuple(_form_issue(i) for i in row.form_issues),
    )


def hold_result(row: Hold) -> HoldResult:
    return HoldResult(
        exercise_id=row.exercise_id,
        side=Side(row.side),
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        held_s=row.held_s,
        mean_angle_deg=row.mean_angle_deg,
        complete=row.complete,
        confidence=row.confidence,
        form_issues=tuple(_form_issue(i) for i in row.form_issues),
    )


def _form_issue(row: FormIssueRow) -> FormIssue:
    from rehab.core.results import Severity

    return FormIssue(row.rule_id, row.cue, Severity(row.severity), row.t_ms)


def load_landmarks(session: Session, actor: Actor, stream_id: int) -> LandmarkStream:
    """A stored landmark stream, for replay (access-checked and audited)."""
    row = session.get(LandmarkStreamRow, stream_id)
    if row is None:
        raise NotFound(f"no stored landmark stream #{stream_id}")
    owner = session.get(ExerciseSession, row.session_id)
    assert owner is not None  # a foreign key guarantees it
    check_patient_access(session, actor, owner.patient_id)
    audit(session, actor, AuditAction.READ, "landmarks", owner.patient_id, stream_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.npz"
        path.write_bytes(row.npz)
        return load_stream(path)


def close_stale_sessions(
    engine: Engine, now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER
) -> int:
    """Mark in-progress sessions interrupted when their process is gone or they went quiet.

    Called when the app starts. A session owned by a dead process on this host is closed at
    once; any other in-progress session is closed after `stale_after` without activity.
    Returns how many sessions were closed; their reps stay.
    """
    moment = now or utc_now()

    def work(session: Session) -> int:
        rows = session.execute(
            select(
                ExerciseSession.id, ExerciseSession.owner, ExerciseSession.last_activity_at
            ).where(ExerciseSession.status == SessionStatus.IN_PROGRESS.value)
        ).all()
        stale = [
            row.id
            for row in rows
            if _owner_is_dead(row.owner) or row.last_activity_at < moment - stale_after
        ]
        if stale:
            session.execute(
                update(ExerciseSession)
                .where(
                    ExerciseSession.id.in_(stale),
                    ExerciseSession.status == SessionStatus.IN_PROGRESS.value,
                )
                .values(
                    status=SessionStatus.INTERRUPTED.value,
                    ended_at=ExerciseSession.last_activity_at,
                    owner=None,
                )
            )
        return len(stale)

    return run_transaction(engine, work, what="closing stale sessions")


def _owner_is_dead(owner: str | None) -> bool:
    """True when `owner` ("host:pid") is a process on this host that no longer runs."""
    if not owner or ":" not in owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class PlannedSet:
    """One analysed set for `record_session`: the engine's SetResult and where it belongs."""

    result: SetResult
    side: Side = Side.BOTH
    prescription_item_id: int | None = None
    duration_s: float = 120.0  # wall time the set took (sets are laid out one after another)


def record_session(
    engine: Engine,
    actor: Actor,
    patient_id: int,
    sets: Sequence[PlannedSet],
    *,
    started_at: dt.datetime,
    source: SessionSource = SessionSource.UPLOAD,
    status: SessionStatus = SessionStatus.COMPLETED,
    prescription_id: int | None = None,
    check_in: CheckInValues | None = None,
    notes: str = "",
) -> int:
    """A whole session analysed after the fact (an uploaded video, a replay) in ONE
    transaction: all of it is stored or none. Returns the session id."""
    if check_in is not None:
        _check_values(check_in)

    def work(session: Session) -> int:
        check_patient_access(session, actor, patient_id)
        at = started_at
        row = ExerciseSession(
            patient_id=patient_id, prescription_id=prescription_id, started_at=at,
            last_activity_at=at, source=SessionSource(source).value,
            status=SessionStatus(status).value, notes=notes,
        )  # fmt: skip
        session.add(row)
        session.flush()
        seen: dict[str, int] = {}
        for planned in sets:
            at = _add_planned_set(session, row.id, planned, at, seen)
        row.ended_at = row.last_activity_at = at
        if check_in is not None:
            session.add(
                CheckIn(
                    patient_id=patient_id,
                    session_id=row.id,
                    recorded_at=at,
                    pain_before=check_in.pain_before,
                    pain_after=check_in.pain_after,
                    effort_rpe=check_in.effort_rpe,
                    comment=check_in.comment,
                )
            )
        audit(session, actor, AuditAction.CREATE, "session", patient_id, row.id)
        return row.id

    return run_transaction(engine, work, what="session")


def _add_planned_set(
    session: Session, session_id: int, planned: PlannedSet, at: dt.datetime, seen: dict[str, int]
) -> dt.datetime:
    result = planned.result
    seen[result.exercise_id] = seen.get(result.exercise_id, 0) + 1
    ended = at + dt.timedelta(seconds=planned.duration_s)
    row = ExerciseSet(
        session_id=session_id, prescription_item_id=planned.prescription_item_id,
        exercise_id=result.exercise_id, set_index=seen[result.exercise_id],
        side=Side(planned.side).value, started_at=at, ended_at=ended,
        extra=result.figures.to_json(),
        warnings=[str(w) for w in result.warnings],
    )  # fmt: skip
    session.add(row)
    session.flush()
    for rep in result.reps:
        rep_id = _flush_id(session, rep_row(row.id, rep, ended))
        for issue in rep.form_issues:
            session.add(_issue_row(row.id, issue, rep_id=rep_id))
    for hold in result.holds:
        hold_id = _flush_id(session, hold_row(row.id, hold, ended))
        for issue in hold.form_issues:
            session.add(_issue_row(row.id, issue, hold_id=hold_id))
    refresh_set_stats(session, [row.id])
    return ended


def _flush_id(session: Session, row: Rep | Hold) -> int:
    session.add(row)
    session.flush()
    return row.id


def _check_values(values: CheckInValues) -> None:
    problem = values.problem()
    if problem is not None:
        raise StoreError(problem)
