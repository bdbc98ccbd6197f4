"""Patients and their programs (prescriptions), with the access rules applied.

- an admin or a therapist creates patient records (a therapist only on their own list),
  with their account (`add_patient`: a first password, or a one-time sign-in code), and
  edits them (`update_patient`);
- a therapist (or an admin) prescribes for, and ends the programs of, their own patients.

User accounts are in `accounts.py`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from rehab.core.exercise_text import LANGUAGES
from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access, refuse, require_role
from rehab.store.accounts import add_user
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, Patient, Prescription, PrescriptionItem, User
from rehab.store.sign_in_codes import issue_sign_in_code


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
    rom_limit_deg: float | None = None  # beyond it is a caution
    reps_step: int | None = None  # +N reps a week ...
    reps_up_to: int | None = None  # ... up to this many
    rom_step_deg: float | None = None  # +N degrees of target ROM a week ...
    rom_up_to_deg: float | None = None  # ... up to this target

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
        self._check_rom(where)
        self._check_progression(where)

    def _check_rom(self, where: str) -> None:
        limit, target = self.rom_limit_deg, self.target_rom_deg
        if limit is not None and limit <= 0:
            raise StoreError(f"{where}: the ROM limit must be positive (got {limit})")
        if limit is not None and target is not None and limit < target:
            raise StoreError(
                f"{where}: the ROM limit ({limit:g}°) is below the target ({target:g}°)"
            )

    def _check_progression(self, where: str) -> None:
        if self.reps_step is not None:
            if self.reps is None or self.reps_step < 1:
                raise StoreError(f"{where}: a reps progression needs reps and a step of 1 or more")
            if self.reps_up_to is not None and self.reps_up_to < self.reps:
                raise StoreError(f"{where}: 'up to' {self.reps_up_to} reps is below {self.reps}")
        if self.rom_step_deg is not None:
            if self.target_rom_deg is None or self.rom_step_deg <= 0:
                raise StoreError(f"{where}: a ROM progression needs a target and a positive step")
            cap = self.rom_up_to_deg
            if cap is not None and cap < self.target_rom_deg:
                raise StoreError(f"{where}: 'up to' {cap:g}° is below the target")


def create_patient(
    tx: Transaction,
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
    session = sql(tx)
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


@dataclass(frozen=True)
class NewPatient:
    """A patient just added: their record, their account, and the one-time sign-in code to
    hand them (None when a first password was given instead)."""

    patient_id: int
    user_id: int
    username: str
    sign_in_code: str | None


@dataclass(frozen=True)
class PatientFields:
    """What a therapist writes about a patient (name, condition, affected side, notes,
    consent to keep pose landmarks)."""

    display_name: str
    condition: str
    affected_side: Side
    notes: str = ""
    store_landmarks: bool = False

    def check(self) -> None:
        if not self.display_name.strip():
            raise StoreError("a patient needs a name")
        if len(self.display_name) > 120:
            raise StoreError("the name is too long (120 characters at most)")
        if len(self.condition) > 200:
            raise StoreError("the condition is too long (200 characters at most)")


def add_patient(
    tx: Transaction,
    actor: Actor,
    username: str,
    fields: PatientFields,
    *,
    password: str | None = None,
    therapist_id: int | None = None,
) -> NewPatient:
    """A patient account and record in one go, by a therapist (on their own list) or an
    admin (for `therapist_id`). Without a `password`, a one-time sign-in code is made for the
    patient to choose theirs."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    fields.check()
    owner = actor.user_id if therapist_id is None else therapist_id
    session = sql(tx)
    first = password if password is not None else secrets.token_urlsafe(24)  # never told
    user_id = add_user(
        session, actor, username.strip(), fields.display_name.strip(), Role.PATIENT, first,
        is_demo=False,
    )  # fmt: skip
    patient_id = create_patient(
        tx,
        actor,
        user_id,
        owner,
        fields.condition.strip(),
        fields.affected_side,
        notes=fields.notes,
        store_landmarks=fields.store_landmarks,
    )
    code = issue_sign_in_code(tx, actor, patient_id) if password is None else None
    return NewPatient(patient_id, user_id, username.strip(), code)


def update_patient(tx: Transaction, actor: Actor, patient_id: int, fields: PatientFields) -> None:
    """Change a patient's name, condition, affected side, notes and consent (their own
    therapist, or an admin)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    fields.check()
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    patient.user.display_name = fields.display_name.strip()
    patient.condition = fields.condition.strip()
    patient.affected_side = Side(fields.affected_side).value
    patient.notes = fields.notes
    patient.store_landmarks = fields.store_landmarks
    audit(session, actor, AuditAction.UPDATE, "patient", patient_id, patient_id)


def prescribe(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    title: str,
    plans: Sequence[ExercisePlan],
    sessions_per_week: int,
    start_date: dt.date,
    end_date: dt.date | None = None,
    clinical_notes: str = "",
    patient_notes: str = "",
) -> int:
    """A new program for one of the actor's patients; returns its id.

    `clinical_notes` are the clinic's (never shown to the patient); `patient_notes` are the
    therapist's words to the patient for the whole program (their page, handout, reminders).
    """
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
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
        clinical_notes=clinical_notes,
        patient_notes=patient_notes,
        items=[_item(position, plan) for position, plan in enumerate(plans)],
    )
    session.add(prescription)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "prescription", patient_id, prescription.id)
    return prescription.id


def end_program(tx: Transaction, actor: Actor, prescription_id: int, last_day: dt.date) -> None:
    """End a program after `last_day` (a therapist of the patient, or an admin)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    program = session.get(Prescription, prescription_id)
    if program is None:
        raise refuse(session, actor, "program", prescription_id)
    check_patient_access(session, actor, program.patient_id, asked=("program", prescription_id))
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


def set_patient_language(tx: Transaction, actor: Actor, patient_id: int, language: str) -> None:
    """The language of a patient's pages, live session, handout and reminders: set by the
    patient themselves, their therapist or an admin."""
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    if language not in LANGUAGES:
        raise StoreError(f"unsupported language '{language}' (use one of: {', '.join(LANGUAGES)})")
    if patient.language == language:
        return
    patient.language = language
    audit(session, actor, AuditAction.UPDATE, "patient_language", patient_id, detail=language)


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
        rom_limit_deg=plan.rom_limit_deg,
        reps_step=plan.reps_step,
        reps_up_to=plan.reps_up_to if plan.reps_step else None,
        rom_step_deg=plan.rom_step_deg,
        rom_up_to_deg=plan.rom_up_to_deg if plan.rom_step_deg else None,
    )
