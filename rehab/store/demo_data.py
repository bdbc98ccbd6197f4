"""The demo clinic's rows, for `rehab demo` (operator only: no Actor, the CLI on the server).

Every demo user and patient has `is_demo` set; the demo builder (`rehab.demo_clinic`) creates the
therapist here and everything else through the public API, as that therapist and patients.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from rehab.domain import Role
from rehab.store.access import Actor
from rehab.store.accounts import add_user
from rehab.store.database import Transaction, sql
from rehab.store.models import (
    AuditEntry,
    CheckIn,
    ExerciseSession,
    Patient,
    Prescription,
    PrescriptionItem,
    User,
)


def has_patients(tx: Transaction) -> bool:
    """Whether the database has any patient (`rehab demo --if-empty`)."""
    return bool(sql(tx).scalar(select(func.count(Patient.id))))


def demo_exists(tx: Transaction) -> bool:
    return bool(sql(tx).scalar(select(func.count(User.id)).where(User.is_demo.is_(True))))


def create_demo_therapist(
    tx: Transaction, username: str, display_name: str, password: str
) -> Actor:
    """A demo therapist account (no admin needed): the demo's patients are theirs."""
    session = sql(tx)
    user_id = add_user(
        session, None, username, display_name, Role.THERAPIST, password, is_demo=True
    )
    return Actor(user_id, Role.THERAPIST)


def delete_demo(tx: Transaction) -> None:
    """Remove every demo user and patient and all their data."""
    s = sql(tx)
    patients = select(Patient.id).where(Patient.is_demo.is_(True))
    users = select(User.id).where(User.is_demo.is_(True))
    prescriptions = select(Prescription.id).where(Prescription.patient_id.in_(patients))
    s.execute(delete(AuditEntry).where(AuditEntry.patient_id.in_(patients)))
    s.execute(delete(AuditEntry).where(AuditEntry.user_id.in_(users)))
    s.execute(delete(CheckIn).where(CheckIn.patient_id.in_(patients)))
    s.execute(delete(ExerciseSession).where(ExerciseSession.patient_id.in_(patients)))
    s.execute(delete(PrescriptionItem).where(PrescriptionItem.prescription_id.in_(prescriptions)))
    s.execute(delete(Prescription).where(Prescription.patient_id.in_(patients)))
    s.execute(delete(Patient).where(Patient.is_demo.is_(True)))
    s.execute(delete(User).where(User.is_demo.is_(True)))
