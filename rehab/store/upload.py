"""A whole session analysed after the fact (an uploaded video, a replay, the demo clinic),
stored in ONE transaction: all of it or none."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from rehab.core.check_in import CheckInValues
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import SetResult, Side
from rehab.domain import SessionSource, SessionStatus
from rehab.errors import AccessDenied
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.database import Database, run_transaction
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    Hold,
    LandmarkStreamRow,
    Rep,
)
from rehab.store.rollup import refresh_set_stats
from rehab.store.rows import check_check_in, fill_check_in, hold_row, issue_row, rep_row
from rehab.streamfile import save_stream


@dataclass(frozen=True)
class PlannedSet:
    """One analysed set for `record_session`: the engine's SetResult and where it belongs."""

    result: SetResult
    side: Side = Side.BOTH
    prescription_item_id: int | None = None
    duration_s: float = 120.0  # wall time the set took (sets are laid out one after another)
    landmarks: LandmarkStream | None = None  # kept for replay (the patient must have opted in)
    pose_model: str | None = None  # whose landmarks were counted (angles of two models differ)


def record_session(
    db: Database,
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
    """Store a whole session in one transaction; returns the session id."""
    if check_in is not None:
        check_check_in(check_in)

    blobs = [_npz(p.landmarks) if p.landmarks is not None else None for p in sets]

    def work(session: Session) -> int:
        patient = check_patient_access(session, actor, patient_id)
        if any(blobs) and not patient.store_landmarks:
            raise AccessDenied(
                f"patient #{patient_id} has not opted in to storing landmark streams"
            )
        at = started_at
        row = ExerciseSession(
            patient_id=patient_id, prescription_id=prescription_id, started_at=at,
            last_activity_at=at, source=SessionSource(source).value,
            status=SessionStatus(status).value, notes=notes,
        )  # fmt: skip
        session.add(row)
        session.flush()
        seen: dict[str, int] = {}
        for planned, blob in zip(sets, blobs, strict=True):
            set_id, at = _add_planned_set(session, row.id, planned, at, seen)
            if blob is not None and planned.landmarks is not None:
                session.add(_stream_row(row.id, set_id, planned.landmarks, blob))
        row.ended_at = row.last_activity_at = at
        if check_in is not None:
            check = CheckIn(patient_id=patient_id, session_id=row.id)
            session.add(fill_check_in(check, check_in, at))
        audit(session, actor, AuditAction.CREATE, "session", patient_id, row.id)
        return row.id

    return run_transaction(db, work, what="session")


def _add_planned_set(
    session: Session, session_id: int, planned: PlannedSet, at: dt.datetime, seen: dict[str, int]
) -> tuple[int, dt.datetime]:
    result = planned.result
    seen[result.exercise_id] = seen.get(result.exercise_id, 0) + 1
    ended = at + dt.timedelta(seconds=planned.duration_s)
    row = ExerciseSet(
        session_id=session_id, prescription_item_id=planned.prescription_item_id,
        exercise_id=result.exercise_id, set_index=seen[result.exercise_id],
        side=Side(planned.side).value, started_at=at, ended_at=ended,
        extra=result.figures.to_json(),
        warnings=[str(w) for w in result.warnings], pose_model=planned.pose_model,
    )  # fmt: skip
    session.add(row)
    session.flush()
    for rep in result.reps:
        rep_id = _flush_id(session, rep_row(row.id, rep, ended))
        for issue in rep.form_issues:
            session.add(issue_row(row.id, issue, rep_id=rep_id))
    for hold in result.holds:
        hold_id = _flush_id(session, hold_row(row.id, hold, ended))
        for issue in hold.form_issues:
            session.add(issue_row(row.id, issue, hold_id=hold_id))
    refresh_set_stats(session, [row.id])
    return row.id, ended


def _npz(stream: LandmarkStream) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return save_stream(stream, Path(folder) / "stream.npz").read_bytes()


def _stream_row(
    session_id: int, set_id: int, stream: LandmarkStream, blob: bytes
) -> LandmarkStreamRow:
    return LandmarkStreamRow(
        session_id=session_id,
        set_id=set_id,
        n_frames=len(stream),
        fps=float(stream.info.fps),
        npz=blob,
    )


def _flush_id(session: Session, row: Rep | Hold) -> int:
    session.add(row)
    session.flush()
    return row.id
