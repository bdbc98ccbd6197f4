"""A day the patient exercised without a camera, logged by hand: a session of source
"manual" (self-reported), in one transaction.

Nothing was counted, so a logged set has no reps or holds rows and no set statistics: it
carries what the patient says they did (`reported_reps` in the set, or `reported_hold_s`
held). The session counts as done wherever sessions are counted, marked self-reported
(`SessionSummary.self_reported`, `WeekAdherence.sessions_self_reported`); its reps count in
the volume figures; it adds nothing to range of motion, form or the rollup.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rehab.core.check_in import CheckInValues
from rehab.core.results import Side
from rehab.domain import SessionSource, SessionStatus
from rehab.errors import StoreError
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.database import Transaction, sql
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    Prescription,
    PrescriptionItem,
)
from rehab.store.rows import check_check_in, fill_check_in
from rehab.store.times import utc_now

MAX_SETS = 20
MAX_REPS = 300
MAX_HOLD_S = 3600.0
FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks differ a little


@dataclass(frozen=True)
class LoggedExercise:
    """One exercise as the patient logs it: sets done, and reps (or seconds held) in each."""

    exercise_id: str
    sets: int
    reps: int | None = None
    hold_s: float | None = None
    side: Side = Side.BOTH
    prescription_item_id: int | None = None

    def check(self) -> None:
        where = f"exercise '{self.exercise_id}'"
        if not self.exercise_id.strip():
            raise StoreError("a logged exercise needs an exercise id")
        if not 1 <= self.sets <= MAX_SETS:
            raise StoreError(f"{where}: sets done must be 1-{MAX_SETS} (got {self.sets})")
        if (self.reps is None) == (self.hold_s is None):
            raise StoreError(f"{where}: give the reps in each set or the seconds held, not both")
        if self.reps is not None and not 0 <= self.reps <= MAX_REPS:
            raise StoreError(f"{where}: reps in a set must be 0-{MAX_REPS} (got {self.reps})")
        if self.hold_s is not None and not (
            math.isfinite(self.hold_s) and 0 <= self.hold_s <= MAX_HOLD_S
        ):
            raise StoreError(f"{where}: seconds held must be 0-{MAX_HOLD_S:g} (got {self.hold_s})")


def log_manual_session(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    done_at: dt.datetime,
    exercises: Sequence[LoggedExercise],
    check_in: CheckInValues | None = None,
    prescription_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Store a day's exercise the patient did without a camera; returns the session id.

    The patient themselves (or their therapist, or an admin) may log it; `done_at` may not
    lie in the future; prescription items must belong to the patient's programs."""
    session = sql(tx)
    check_patient_access(session, actor, patient_id)
    if done_at.tzinfo is None:
        raise StoreError("the time of a logged session needs a time zone")
    if done_at > (now or utc_now()) + FUTURE_SLACK:
        raise StoreError(f"a logged session cannot be in the future ({done_at:%Y-%m-%d %H:%M})")
    if not exercises:
        raise StoreError("log at least one exercise")
    for exercise in exercises:
        exercise.check()
    if check_in is not None:
        check_check_in(check_in)
    _check_program(session, patient_id, prescription_id, exercises)
    row = ExerciseSession(
        patient_id=patient_id,
        prescription_id=prescription_id,
        started_at=done_at,
        ended_at=done_at,
        last_activity_at=done_at,
        source=SessionSource.MANUAL.value,
        status=SessionStatus.COMPLETED.value,
        notes="",
    )
    session.add(row)
    session.flush()
    _add_sets(session, row.id, done_at, exercises)
    if check_in is not None:
        check = CheckIn(patient_id=patient_id, session_id=row.id)
        session.add(fill_check_in(check, check_in, done_at))
    audit(session, actor, AuditAction.CREATE, "session", patient_id, row.id, detail="manual")
    return row.id


def _add_sets(
    session: Session, session_id: int, at: dt.datetime, exercises: Sequence[LoggedExercise]
) -> None:
    seen: dict[str, int] = {}
    for exercise in exercises:
        for _ in range(exercise.sets):
            seen[exercise.exercise_id] = seen.get(exercise.exercise_id, 0) + 1
            session.add(
                ExerciseSet(
                    session_id=session_id,
                    prescription_item_id=exercise.prescription_item_id,
                    exercise_id=exercise.exercise_id,
                    set_index=seen[exercise.exercise_id],
                    side=Side(exercise.side).value,
                    started_at=at,
                    ended_at=at,
                    extra={},
                    warnings=[],
                    reported_reps=exercise.reps,
                    reported_hold_s=exercise.hold_s,
                )
            )
    session.flush()


def _check_program(
    session: Session,
    patient_id: int,
    prescription_id: int | None,
    exercises: Sequence[LoggedExercise],
) -> None:
    """The program and items named belong to this patient (else a StoreError)."""
    if prescription_id is not None:
        program = session.get(Prescription, prescription_id)
        if program is None or program.patient_id != patient_id:
            raise StoreError(f"program #{prescription_id} is not patient #{patient_id}'s")
    for exercise in exercises:
        if exercise.prescription_item_id is None:
            continue
        item = session.get(PrescriptionItem, exercise.prescription_item_id)
        if item is None or item.prescription.patient_id != patient_id:
            raise StoreError(
                f"prescribed exercise #{exercise.prescription_item_id} is not in patient "
                f"#{patient_id}'s programs"
            )
        if item.exercise_id != exercise.exercise_id:
            raise StoreError(
                f"prescribed exercise #{item.id} is '{item.exercise_id}', "
                f"not '{exercise.exercise_id}'"
            )
