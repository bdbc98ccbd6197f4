"""Small reads and writes the dashboard needs beyond `rehab.store.queries`, built on the
store's own access rules (`visible_patients`, `check_patient_access`, `require_role`) and
audit log. Candidates to move into the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.core.check_in import worse_pain
from rehab.errors import NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access, require_role, visible_patients
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    LandmarkStreamRow,
    Patient,
    Prescription,
    Role,
    User,
)


def latest_pains(session: Session, actor: Actor) -> dict[int, int]:
    """Each visible patient's latest check-in pain (the worse of before/after)."""
    newest = (
        select(CheckIn.patient_id, func.max(CheckIn.recorded_at).label("at"))
        .join(Patient, Patient.id == CheckIn.patient_id)
        .where(visible_patients(actor))
        .where(CheckIn.pain_before.is_not(None) | CheckIn.pain_after.is_not(None))
        .group_by(CheckIn.patient_id)
        .subquery()
    )
    rows = session.execute(
        select(CheckIn.patient_id, CheckIn.pain_before, CheckIn.pain_after).join(
            newest,
            (newest.c.patient_id == CheckIn.patient_id) & (newest.c.at == CheckIn.recorded_at),
        )
    ).all()
    pains = {patient_id: worse_pain(before, after) for patient_id, before, after in rows}
    return {patient_id: pain for patient_id, pain in pains.items() if pain is not None}


def stored_streams(session: Session, actor: Actor, session_id: int) -> list[tuple[int, int | None]]:
    """(stream id, set id) of the landmark streams kept for a session (access-checked)."""
    row = session.get(ExerciseSession, session_id)
    if row is None:
        raise NotFound(f"no session #{session_id}")
    check_patient_access(session, actor, row.patient_id)
    found = session.execute(
        select(LandmarkStreamRow.id, LandmarkStreamRow.set_id)
        .where(LandmarkStreamRow.session_id == session_id)
        .order_by(LandmarkStreamRow.id)
    ).all()
    return [(stream_id, set_id) for stream_id, set_id in found]


def end_program(session: Session, actor: Actor, prescription_id: int, last_day: dt.date) -> None:
    """End a program after `last_day` (a therapist of the patient, or an admin)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    program = session.get(Prescription, prescription_id)
    if program is None:
        raise NotFound(f"no program #{prescription_id}")
    check_patient_access(session, actor, program.patient_id)
    if last_day < program.start_date:
        raise StoreError(
            f"program #{prescription_id} starts on {program.start_date}: "
            f"it cannot end before that ({last_day})"
        )
    program.end_date = last_day
    audit(
        session,
        actor,
        AuditAction.UPDATE,
        "prescription",
        program.patient_id,
        prescription_id,
        detail=f"ended {last_day:%Y-%m-%d}",
    )


@dataclass(frozen=True)
class UserRow:
    user_id: int
    username: str
    display_name: str
    role: Role
    is_active: bool
    therapist_name: str | None  # a patient's therapist
    condition: str | None


def list_users(session: Session, actor: Actor) -> list[UserRow]:
    """Every account (admin only), with each patient's therapist and condition."""
    require_role(actor, Role.ADMIN)
    therapist = select(User.id, User.display_name).subquery()
    rows = session.execute(
        select(User, therapist.c.display_name, Patient.condition)
        .outerjoin(Patient, Patient.user_id == User.id)
        .outerjoin(therapist, therapist.c.id == Patient.therapist_id)
        .order_by(User.role, User.display_name)
    ).all()
    audit(session, actor, AuditAction.READ, "user_list", detail=f"{len(rows)} users")
    return [
        UserRow(u.id, u.username, u.display_name, Role(u.role), u.is_active, t, condition)
        for u, t, condition in rows
    ]


def patient_names(session: Session, actor: Actor) -> dict[int, str]:
    """The patients `actor` may see, id -> name (a light query for pickers)."""
    rows = session.execute(
        select(Patient.id, User.display_name)
        .join(User, User.id == Patient.user_id)
        .where(visible_patients(actor))
        .order_by(User.display_name, Patient.id)
    ).all()
    return {patient_id: name for patient_id, name in rows}
