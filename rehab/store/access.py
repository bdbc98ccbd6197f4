"""Who may see and change what. Enforced here, in the store, not only in the UI.

- an admin sees every patient;
- a therapist sees only the patients whose `therapist_id` is theirs;
- a patient sees only their own record and sessions.

Every read or change of a patient's data adds an `audit_log` entry (ids only, no names).
A record that does not exist and one the asker may not see get the same answer
(`NotYours`, "no patient #7 among yours"), so asking cannot tell which ids exist; the refusal
is audited (`refuse`) in its own transaction, which the refused work's rollback cannot undo.
Refusals of a role ("only an admin can do this") raise `AccessDenied`.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, NotYours
from rehab.store.database import AUDIT_ALWAYS, AUDIT_LATER, Transaction, sql
from rehab.store.models import AuditAction, AuditEntry, Patient, User

log = logging.getLogger(__name__)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """The user asking: their id and role (what the access rules need)."""

    user_id: int
    role: Role

    @property
    def label(self) -> str:
        return f"{self.role.value} #{self.user_id}"


def password_hasher() -> PasswordHasher:
    """The argon2id hasher of passwords and sign-in codes (tests make it cheap)."""
    return _hasher


def hash_password(password: str) -> str:
    """The argon2id hash (check the password first: `accounts.validate_password`)."""
    return _hasher.hash(password)


def username_key(username: str) -> str:
    """A username as compared: NFKC-normalised and case-folded ("Dana" is "dana")."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()


def user_by_name(session: Session, username: str) -> User | None:
    """The account called `username`, whatever its case."""
    return session.scalar(select(User).where(User.username_key == username_key(username)))


def actor_for(tx: Transaction, user_id: int) -> Actor:
    """The Actor for an existing, active user id."""
    user = sql(tx).get(User, user_id)
    if user is None:
        raise NotFound(f"no user #{user_id}")
    if not user.is_active:
        raise AccessDenied(f"user #{user_id} is deactivated")
    return Actor(user.id, Role(user.role))


def check_password(session: Session, username: str, password: str) -> User | None:
    """The active user if the password is theirs, else None (same time either way)."""
    user = user_by_name(session, username)
    if user is None or not user.is_active:
        _hasher.hash(password)  # same time as a real check: do not reveal which usernames exist
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def authenticate(tx: Transaction, username: str, password: str) -> Actor:
    """Check a username and password; the same error for an unknown user and a wrong password.

    No throttle: the sign-in page and the CLI go through `sign_in.sign_in` instead."""
    user = check_password(sql(tx), username, password)
    if user is None:
        raise AccessDenied("wrong username or password")
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


def may_see(actor: Actor, patient: Patient) -> bool:
    return (
        actor.role is Role.ADMIN
        or (actor.role is Role.THERAPIST and patient.therapist_id == actor.user_id)
        or (actor.role is Role.PATIENT and patient.user_id == actor.user_id)
    )


def check_patient_access(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    asked: tuple[str, int] | None = None,
) -> Patient:
    """The patient record if `actor` may see it; NotYours otherwise (missing or not theirs
    alike), audited as a refusal. `asked` names what was asked for when it was not the
    patient itself (("session", 12)): the answer then speaks of that, never of the patient."""
    what, what_id = asked or ("patient", patient_id)
    patient = session.get(Patient, patient_id)
    if patient is None or not may_see(actor, patient):
        raise refuse(session, actor, what, what_id, patient.id if patient else None)
    return patient


def refuse(
    session: Session,
    actor: Actor | None,
    what: str,
    what_id: int,
    patient_id: int | None = None,
) -> NotYours:
    """The error for a record that is missing or not the actor's (raise it), its refusal
    audited in its own transaction (ids only)."""
    log.warning("refused %s access to %s #%d", actor.label if actor else "nobody", what, what_id)
    audit_refusal(
        session,
        actor.user_id if actor else None,
        what,
        resource_id=what_id if -(2**31) <= what_id < 2**31 else None,
        patient_id=patient_id,
        detail="not found" if patient_id is None else "not allowed",
    )
    return NotYours(f"no {what} #{what_id} among yours")


def audit_refusal(
    session: Session,
    user_id: int | None,
    resource: str,
    *,
    resource_id: int | None = None,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    """Set a refusal's audit entry (`refuse`, ids only) aside: the store commits it in a
    transaction of its own when this one ends, so the refused work's rollback cannot undo it
    (Database.transaction/read and run_transaction do; the one way refusals are written)."""
    entry = AuditEntry(
        user_id=user_id,
        patient_id=patient_id,
        action=AuditAction.REFUSE.value,
        resource=resource[:64],
        resource_id=resource_id,
        detail=detail[:255],
    )
    pending = session.info.get(AUDIT_ALWAYS)
    if pending is not None:
        pending.append(entry)


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
