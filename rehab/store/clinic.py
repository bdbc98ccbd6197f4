"""Creating users, patients and programs (prescriptions), with the access rules applied.

- an admin creates any user; the first admin is created with `actor=None` (bootstrap, only
  while the database has no admin);
- a therapist (or an admin) creates patients and prescribes for their own patients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.core.results import Side
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access, hash_password, require_role
from rehab.store.models import (
    AuditAction,
    Patient,
    Prescription,
    PrescriptionItem,
    Role,
    User,
)


@dataclass(frozen=True)
class ExercisePlan:
    """One exercise of a program, as a therapist prescribes it."""

    exercise_id: str
    sets: int
    reps: int | None = None
    hold_s: float | None = None
    target_rom_deg: float | None = None
    side: Side = Side.BOTH
    notes_for_patient: str = ""

    def check(self) -> None:
        where = f"exercise '{self.exercise_id}'"
        if not self.exercise_id.strip():
            raise StoreError("a prescribed exercise needs an exercise id")
        if self.sets < 1:
            raise StoreError(f"{where}: sets must be at least 1 (got {self.sets})")
        if self.reps is None and self.hold_s is None:
            raise StoreError(f"{where}: give reps or hold seconds")
        if self.reps is not None and self.reps < 1:
            raise StoreError(f"{where}: reps must be at least 1 (got {self.reps})")
        if self.hold_s is not None and self.hold_s <= 0:
            raise StoreError(f"{where}: hold seconds must be positive (got {self.hold_s})")


def create_user(
    session: Session,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    *,
    is_demo: bool = False,
) -> int:
    """A new user's id. Only an admin may create users (or anyone, to create the first admin)."""
    if actor is None:
        has_admin = session.scalar(select(func.count()).where(User.role == Role.ADMIN.value))
        if role is not Role.ADMIN or has_admin:
            raise AccessDenied("only an admin can create users (the first user must be an admin)")
    elif not (actor.role is Role.ADMIN or (actor.role is Role.THERAPIST and role is Role.PATIENT)):
        raise AccessDenied(f"{actor.label}: cannot create a {role.value} account")
    if not username.strip():
        raise StoreError("a username cannot be empty")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise StoreError(f"username '{username}' is taken")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        password_hash=hash_password(password),
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "user", resource_id=user.id, detail=role.value)
    return user.id


def create_patient(
    session: Session,
    actor: Actor,
    user_id: int,
    therapist_id: int,
    condition: str,
    affected_side: Side,
    *,
    notes: str = "",
    store_landmarks: bool = False,
    is_demo: bool = False,
) -> int:
    """A patient record for an existing patient-role user, under a therapist."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    if actor.role is Role.THERAPIST and therapist_id != actor.user_id:
        raise AccessDenied(f"{actor.label}: a therapist can only add patients to their own list")
    user, therapist = session.get(User, user_id), session.get(User, therapist_id)
    if user is None or user.role != Role.PATIENT.value:
        raise NotFound(f"user #{user_id} is not a patient account")
    if therapist is None or therapist.role != Role.THERAPIST.value:
        raise NotFound(f"user #{therapist_id} is not a therapist")
    if session.scalar(select(Patient.id).where(Patient.user_id == user_id)) is not None:
        raise StoreError(f"user #{user_id} already has a patient record")
    patient = Patient(
        user_id=user_id,
        therapist_id=therapist_id,
        condition=condition,
        affected_side=Side(affected_side).value,
        notes=notes,
        store_landmarks=store_landmarks,
        is_demo=is_demo,
    )
    session.add(patient)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "patient", patient.id, patient.id)
    return patient.id


def prescribe(
    session: Session,
    actor: Actor,
    patient_id: int,
    title: str,
    plans: Sequence[ExercisePlan],
    sessions_per_week: int,
    start_date: dt.date,
    end_date: dt.date | None = None,
    notes: str = "",
) -> int:
    """A new program for one of the actor's patients; returns its id."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    check_patient_access(session, actor, patient_id)
    if not plans:
        raise StoreError("a program needs at least one exercise")
    if not 1 <= sessions_per_week <= 21:
        raise StoreError(f"sessions per week must be 1-21 (got {sessions_per_week})")
    if end_date is not None and end_date < start_date:
        raise StoreError(f"the program ends ({end_date}) before it starts ({start_date})")
    for plan in plans:
        plan.check()
    prescription = Prescription(
        patient_id=patient_id,
        prescribed_by_id=actor.user_id,
        title=title,
        sessions_per_week=sessions_per_week,
        start_date=start_date,
        end_date=end_date,
        notes=notes,
        items=[_item(position, plan) for position, plan in enumerate(plans)],
    )
    session.add(prescription)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "prescription", patient_id, prescription.id)
    return prescription.id


def _item(position: int, plan: ExercisePlan) -> PrescriptionItem:
    return PrescriptionItem(
        position=position,
        exercise_id=plan.exercise_id,
        sets=plan.sets,
        reps=plan.reps,
        hold_s=plan.hold_s,
        target_rom_deg=plan.target_rom_deg,
        side=Side(plan.side).value,
        notes_for_patient=plan.notes_for_patient,
    )
