"""Patients: the therapist's list, one patient's record, names for pickers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import NotFound
from rehab.store.access import Actor, audit, visible_patients
from rehab.store.alerts import DEFAULT_RULES, Alert, AlertRules, PainFact
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, Patient, User
from rehab.store.queries.common import open_patient
from rehab.store.queries.facts import NO_PAIN, PatientFacts, pain_states
from rehab.store.queries.programs import Program, programs
from rehab.store.times import utc_now


@dataclass(frozen=True)
class PatientSummary:
    """One row of the therapist's patient list."""

    patient_id: int
    name: str
    condition: str
    affected_side: Side
    therapist_id: int
    therapist_name: str
    is_demo: bool
    sessions_per_week: int | None  # of the active program (None: no active program)
    sessions_last_7d: int  # prescribed sessions done (program exercises), last 7 days
    adherence_28d: float | None  # credited / due, last 28 days (see rehab.store.adherence)
    last_activity_at: dt.datetime | None
    alerts: tuple[Alert, ...]
    latest_pain: PainFact | None = None  # the latest RECORDED pain (what the alerts read)
    last_check_in_skipped: bool = False  # the newest check-in had no value at all

    @property
    def top_alert(self) -> Alert | None:
        return self.alerts[0] if self.alerts else None


@dataclass(frozen=True)
class PatientDetail:
    patient_id: int
    user_id: int
    name: str
    condition: str
    affected_side: Side
    notes: str
    therapist_id: int
    therapist_name: str
    store_landmarks: bool
    is_demo: bool
    programs: tuple[Program, ...]  # newest first
    language: str = "en"  # of the patient's pages, live session, handout and reminders


def list_patients(
    tx: Transaction,
    actor: Actor,
    now: dt.datetime | None = None,
    rules: AlertRules = DEFAULT_RULES,
) -> list[PatientSummary]:
    """The patients `actor` may see, with adherence, last activity and alerts (worst first)."""
    session, moment = sql(tx), now or utc_now()
    therapist = aliased(User)
    rows = session.execute(
        select(Patient, User.display_name, therapist.display_name)
        .join(User, User.id == Patient.user_id)
        .join(therapist, therapist.id == Patient.therapist_id)
        .where(visible_patients(actor))
        .order_by(User.display_name, Patient.id)
    ).all()
    ids = [patient.id for patient, _, _ in rows]
    audit(session, actor, AuditAction.READ, "patient_list", detail=f"{len(ids)} patients")
    if not ids:
        return []
    facts = PatientFacts.gather(session, ids, moment, rules)
    return [
        PatientSummary(
            patient_id=patient.id,
            name=name,
            condition=patient.condition,
            affected_side=Side(patient.affected_side),
            therapist_id=patient.therapist_id,
            therapist_name=therapist_name,
            is_demo=patient.is_demo,
            sessions_per_week=facts.per_week(patient.id),
            sessions_last_7d=facts.done_7d(patient.id),
            adherence_28d=facts.adherence_28d(patient.id),
            last_activity_at=facts.last_activity.get(patient.id),
            alerts=tuple(facts.alerts(patient.id)),
            latest_pain=facts.pain.get(patient.id, NO_PAIN).latest,
            last_check_in_skipped=facts.pain.get(patient.id, NO_PAIN).last_check_in_skipped,
        )
        for patient, name, therapist_name in rows
    ]


def patient_detail(tx: Transaction, actor: Actor, patient_id: int) -> PatientDetail:
    """A patient's record with their programs, newest first. A patient asking for their own
    record gets it without the clinic's notes (the record's and every program's)."""
    session = sql(tx)
    patient = open_patient(session, actor, patient_id, "patient")
    return detail_of(session, patient, clinical=actor.role is not Role.PATIENT)


def detail_of(session: Session, patient: Patient, *, clinical: bool = True) -> PatientDetail:
    found = programs(session, [patient.id]).get(patient.id, [])
    return PatientDetail(
        patient_id=patient.id,
        user_id=patient.user_id,
        name=patient.user.display_name,
        condition=patient.condition,
        affected_side=Side(patient.affected_side),
        notes=patient.notes if clinical else "",
        therapist_id=patient.therapist_id,
        therapist_name=patient.therapist.display_name,
        store_landmarks=patient.store_landmarks,
        is_demo=patient.is_demo,
        language=patient.language,
        programs=tuple(p if clinical else p.without_clinical_notes() for p in found),
    )


def patient_id_for_user(tx: Transaction, actor: Actor) -> int:
    """A patient's own patient id (for the patient's pages)."""
    patient_id = sql(tx).scalar(select(Patient.id).where(Patient.user_id == actor.user_id))
    if patient_id is None:
        raise NotFound(f"{actor.label} has no patient record")
    return patient_id


def patient_names(tx: Transaction, actor: Actor) -> dict[int, str]:
    """The patients `actor` may see, id -> name (a light query for pickers)."""
    session = sql(tx)
    rows = session.execute(
        select(Patient.id, User.display_name)
        .join(User, User.id == Patient.user_id)
        .where(visible_patients(actor))
        .order_by(User.display_name, Patient.id)
    ).all()
    audit(session, actor, AuditAction.READ, "patient_names", detail=f"{len(rows)} patients")
    return {patient_id: name for patient_id, name in rows}


def latest_pains(tx: Transaction, actor: Actor, now: dt.datetime | None = None) -> dict[int, int]:
    """Each visible patient's latest RECORDED check-in pain (the worse of before/after; a
    skipped check-in is not a value): the same facts the alerts read."""
    session = sql(tx)
    ids = list(session.scalars(select(Patient.id).where(visible_patients(actor))))
    audit(session, actor, AuditAction.READ, "latest_pains", detail=f"{len(ids)} patients")
    states = pain_states(session, ids, now or utc_now()) if ids else {}
    return {pid: state.latest.pain for pid, state in states.items() if state.latest is not None}
