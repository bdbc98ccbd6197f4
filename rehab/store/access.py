"""Who may see and change what. Enforced here, in the store, not only in the UI.

- an admin sees every patient;
- a therapist sees only the patients whose `therapist_id` is theirs;
- a patient sees only their own record and sessions.

Every read or change of a patient's data adds an `audit_log` entry (ids only, no names).
Refusals raise `AccessDenied` with a message that says who asked for what.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.database import AUDIT_LATER, Transaction, sql
from rehab.store.models import AuditAction, AuditEntry, Patient, User

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Actor:
    """The user asking: their id and role (what the access rules need)."""

    user_id: int
    role: Role

    @property
    def label(self) -> str:
        return f"{self.role.value} #{self.user_id}"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def actor_for(tx: Transaction, user_id: int) -> Actor:
    """The Actor for an existing, active user id."""
    user = sql(tx).get(User, user_id)
    if user is None:
        raise NotFound(f"no user #{user_id}")
    if not user.is_active:
        raise AccessDenied(f"user #{user_id} is deactivated")
    return Actor(user.id, Role(user.role))


def authenticate(tx: Transaction, username: str, password: str) -> Actor:
    """Check a username and password; the same error for an unknown user and a wrong password."""
    user = sql(tx).scalar(select(User).where(User.username == username))
    refused = AccessDenied("wrong username or password")
    if user is None or not user.is_active:
        _hasher.hash(password)  # same time as a real check: do not reveal which usernames exist
        raise refused
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise refused from exc
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return Actor(user.id, Role(user.role))


def visible_patients(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `Patient` keeping the patients `actor` may see."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.THERAPIST:
        return Patient.therapist_id == actor.user_id
    if actor.role is Role.PATIENT:
        return Patient.user_id == actor.user_id
    return false()


def check_patient_access(session: Session, actor: Actor, patient_id: int) -> Patient:
    """The patient record if `actor` may see it; NotFound or AccessDenied otherwise."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"no patient #{patient_id}")
    allowed = (
        actor.role is Role.ADMIN
        or (actor.role is Role.THERAPIST and patient.therapist_id == actor.user_id)
        or (actor.role is Role.PATIENT and patient.user_id == actor.user_id)
    )
    if not allowed:
        log.warning("refused %s access to patient #%d", actor.label, patient_id)
        if actor.role is Role.PATIENT:
            raise AccessDenied(f"{actor.label}: patients can only see their own data")
        raise AccessDenied(f"{actor.label}: patient #{patient_id} is not one of your patients")
    return patient


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        raise AccessDenied(f"{actor.label}: only a {wanted} can do this")


def audit(
    session: Session,
    actor: Actor | None,
    action: AuditAction,
    resource: str,
    patient_id: int | None = None,
    resource_id: int | None = None,
    detail: str = "",
) -> None:
    """Add an audit entry to the session's transaction (ids only: no names in the log).

    In a read-only transaction the entry is kept aside and committed when the read ends.
    """
    entry = AuditEntry(
        user_id=actor.user_id if actor else None,
        patient_id=patient_id,
        action=action.value,
        resource=resource,
        resource_id=resource_id,
        detail=detail[:255],
    )
    later = session.info.get(AUDIT_LATER)
    if later is not None:
        later.append(entry)
    else:
        session.add(entry)
