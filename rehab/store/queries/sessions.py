"""Sessions: a patient's list, one session in full, and its kept landmark streams."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from rehab.core.landmarks import LandmarkStream
from rehab.core.results import HoldResult, RepResult, SetFigures, Side
from rehab.domain import SessionSource
from rehab.store.access import Actor, audit, check_patient_access, refuse
from rehab.store.database import Transaction, sql
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    Hold,
    LandmarkStreamRow,
    Rep,
    SetStats,
)
from rehab.store.queries.common import Window, open_patient
from rehab.store.rows import hold_result, no_values, rep_result
from rehab.streamfile import load_stream


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    source: str
    status: str
    sets: int
    complete_reps: int
    partial_reps: int
    pain_before: int | None  # None: not given (never read as 0)
    pain_after: int | None
    effort_rpe: int | None
    checked_in: bool = False  # a check-in was recorded for the session (maybe skipped)

    @property
    def check_in_skipped(self) -> bool:
        """The patient was asked and gave no value (shown as skipped, not as 0)."""
        return self.checked_in and no_values(self.pain_before, self.pain_after, self.effort_rpe)

    @property
    def self_reported(self) -> bool:
        """Logged by the patient without a camera: the reps are their own account."""
        return SessionSource(self.source).self_reported


@dataclass(frozen=True)
class SetDetail:
    set_id: int
    exercise_id: str
    set_index: int
    side: Side
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reps: tuple[RepResult, ...]
    holds: tuple[HoldResult, ...]
    figures: SetFigures
    warnings: tuple[str, ...]
    prescription_item_id: int | None = None  # the program item the set was done for
    pose_model: str | None = None  # whose landmarks were counted (None: not recorded)


@dataclass(frozen=True)
class SessionDetail:
    summary: SessionSummary
    patient_id: int
    sets: tuple[SetDetail, ...]


def list_sessions(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[SessionSummary]:
    """A patient's sessions in [since, until), oldest first, with rep counts and check-in."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "sessions")
    return session_summaries(session, patient_id, Window(since, until))


def first_session_at(tx: Transaction, actor: Actor, patient_id: int) -> dt.datetime | None:
    """When the patient's first session started (None before any): one MIN, not every row."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "sessions")
    return earliest_start(session, patient_id)


def earliest_start(
    session: Session, patient_id: int, statuses: Collection[str] | None = None
) -> dt.datetime | None:
    """The start of the patient's first session (of these statuses: all by default), as
    the database returns it; the caller has opened the patient."""
    where = [ExerciseSession.patient_id == patient_id]
    if statuses is not None:
        where.append(ExerciseSession.status.in_(statuses))
    first = session.scalar(select(func.min(ExerciseSession.started_at)).where(*where))
    return first if isinstance(first, dt.datetime) else None


def session_summaries(
    session: Session, patient_id: int, window: Window, session_id: int | None = None
) -> list[SessionSummary]:
    where = [ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at)]
    if session_id is not None:
        where.append(ExerciseSession.id == session_id)
    counts = (
        select(
            ExerciseSet.session_id.label("session_id"),
            func.count(func.distinct(ExerciseSet.id)).label("sets"),
            # a logged set has no set_stats row: its reported reps stand for its count
            func.sum(func.coalesce(SetStats.complete_reps, ExerciseSet.reported_reps)).label(
                "complete"
            ),
            func.sum(SetStats.partial_reps).label("partial"),
        )
        .select_from(ExerciseSet)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .outerjoin(SetStats, SetStats.set_id == ExerciseSet.id)
        .where(*where)
        .group_by(ExerciseSet.session_id)
        .subquery()
    )
    rows = session.execute(
        select(ExerciseSession, counts.c.sets, counts.c.complete, counts.c.partial, CheckIn)
        .outerjoin(counts, counts.c.session_id == ExerciseSession.id)
        .outerjoin(CheckIn, CheckIn.session_id == ExerciseSession.id)
        .where(*where)
        .order_by(ExerciseSession.started_at, ExerciseSession.id)
    ).all()
    return [_summary(*row) for row in rows]


def _summary(
    row: ExerciseSession,
    sets: int | None,
    complete: int | None,
    partial: int | None,
    check: CheckIn | None,
) -> SessionSummary:
    return SessionSummary(
        session_id=row.id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        source=row.source,
        status=row.status,
        sets=sets or 0,
        complete_reps=complete or 0,
        partial_reps=partial or 0,
        pain_before=check.pain_before if check else None,
        pain_after=check.pain_after if check else None,
        effort_rpe=check.effort_rpe if check else None,
        checked_in=check is not None,
    )


def session_detail(tx: Transaction, actor: Actor, session_id: int) -> SessionDetail:
    """One session with every set, rep (as RepResult), hold and form issue."""
    session = sql(tx)
    row = _open_session(session, actor, session_id, "session")
    sets = session.scalars(
        select(ExerciseSet)
        .where(ExerciseSet.session_id == session_id)
        .options(
            selectinload(ExerciseSet.reps).selectinload(Rep.form_issues),
            selectinload(ExerciseSet.holds).selectinload(Hold.form_issues),
        )
        .order_by(ExerciseSet.id)
    ).all()
    (summary,) = session_summaries(session, row.patient_id, Window(), session_id)
    return SessionDetail(
        summary=summary,
        patient_id=row.patient_id,
        sets=tuple(
            SetDetail(
                set_id=s.id,
                exercise_id=s.exercise_id,
                set_index=s.set_index,
                side=Side(s.side),
                started_at=s.started_at,
                ended_at=s.ended_at,
                reps=tuple(rep_result(r) for r in s.reps),
                holds=tuple(hold_result(h) for h in s.holds),
                figures=SetFigures.from_json(s.extra or {}),
                warnings=tuple(s.warnings or ()),
                prescription_item_id=s.prescription_item_id,
                pose_model=s.pose_model,
            )
            for s in sets
        ),
    )


def _open_session(
    session: Session, actor: Actor, session_id: int, resource: str
) -> ExerciseSession:
    row = session.get(ExerciseSession, session_id)
    if row is None:
        raise refuse(session, actor, "session", session_id)
    check_patient_access(session, actor, row.patient_id, asked=("session", session_id))
    audit(session, actor, AuditAction.READ, resource, row.patient_id, session_id)
    return row


@dataclass(frozen=True)
class StoredStream:
    """A landmark stream kept for a session (the patient opted in), for replay."""

    stream_id: int
    set_id: int | None  # None: the whole session


def stored_streams(tx: Transaction, actor: Actor, session_id: int) -> list[StoredStream]:
    """The landmark streams kept for a session (access-checked, audited)."""
    session = sql(tx)
    _open_session(session, actor, session_id, "landmark_list")
    found = session.execute(
        select(LandmarkStreamRow.id, LandmarkStreamRow.set_id)
        .where(LandmarkStreamRow.session_id == session_id)
        .order_by(LandmarkStreamRow.id)
    ).all()
    return [StoredStream(stream_id, set_id) for stream_id, set_id in found]


def load_landmarks(tx: Transaction, actor: Actor, stream_id: int) -> LandmarkStream:
    """A stored landmark stream, for replay (access-checked and audited)."""
    session = sql(tx)
    row = session.get(LandmarkStreamRow, stream_id)
    if row is None:
        raise refuse(session, actor, "landmark stream", stream_id)
    owner = session.get(ExerciseSession, row.session_id)
    assert owner is not None  # a foreign key guarantees it
    check_patient_access(session, actor, owner.patient_id, asked=("landmark stream", stream_id))
    audit(session, actor, AuditAction.READ, "landmarks", owner.patient_id, stream_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.npz"
        path.write_bytes(row.npz)
        return load_stream(path)
