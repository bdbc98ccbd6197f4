"""One-time sign-in codes: what a therapist hands a new patient instead of a password.

- a therapist (for their own patients) or an admin issues a code: 10 letters and digits
  without look-alikes (`K7PQ-M3XW-9R`), shown once, stored only as an argon2 hash, valid for
  `CODE_LIFETIME` and for one use; issuing a new code withdraws the older ones;
- the patient signs in once with their username and the code and chooses their own
  password in the same step (the account's password rules apply); the code is then spent.

A wrong, expired or spent code gets the same refusal as a wrong password.
"""

from __future__ import annotations

import datetime as dt
import secrets

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound
from rehab.store.access import (
    Actor,
    audit,
    check_patient_access,
    hash_password,
    password_hasher,
    require_role,
    username_key,
)
from rehab.store.accounts import validate_password
from rehab.store.database import Database, Transaction, sql
from rehab.store.models import AuditAction, Patient, SignInCode, User
from rehab.store.sign_in_throttle import throttled
from rehab.store.times import utc_now

CODE_LIFETIME = dt.timedelta(days=14)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10  # 32**10: 50 bits


def issue_sign_in_code(
    tx: Transaction, actor: Actor, patient_id: int, now: dt.datetime | None = None
) -> str:
    """A new one-time code for a patient's account (shown once; older codes withdrawn)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    moment = now or utc_now()
    session.execute(
        update(SignInCode)
        .where(SignInCode.user_id == patient.user_id, SignInCode.used_at.is_(None))
        .values(used_at=moment)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        SignInCode(
            user_id=patient.user_id,
            code_hash=password_hasher().hash(code),
            created_by_id=actor.user_id,
            created_at=moment,
            expires_at=moment + CODE_LIFETIME,
        )
    )
    audit(session, actor, AuditAction.CREATE, "sign_in_code", patient_id)
    return shown(code)


def shown(code: str) -> str:
    """'K7PQM3XW9R' -> 'K7PQ-M3XW-9R' (easier to read out and type)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


CODE_REFUSED = "wrong username or sign-in code (or the code has expired)"


def sign_in_with_code(
    db: Database, username: str, code: str, new_password: str, client: str
) -> Actor:
    """`redeem_sign_in_code` under the sign-in throttle and audit (a code is a short secret:
    guesses are counted per account and per client like wrong passwords)."""

    def attempt(session: Session) -> Actor | None:
        try:
            return redeem_sign_in_code(Transaction(session, read_only=False), username, code,
                                       new_password)  # fmt: skip
        except AccessDenied:
            return None

    return throttled(db, username, client, attempt, refusal=CODE_REFUSED)


def redeem_sign_in_code(
    tx: Transaction,
    username: str,
    code: str,
    new_password: str,
    now: dt.datetime | None = None,
) -> Actor:
    """Sign in once with a code and set the account's password; AccessDenied when the
    username, the code, its expiry or its one use do not match (all alike)."""
    session = sql(tx)
    moment = now or utc_now()
    refused = AccessDenied(CODE_REFUSED)
    user = session.scalar(select(User).where(User.username_key == username_key(username)))
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if user is None or not user.is_active or user.role != Role.PATIENT.value:
        password_hasher().hash(cleaned)  # the same time as a real check
        raise refused
    open_codes = session.scalars(
        select(SignInCode).where(
            SignInCode.user_id == user.id,
            SignInCode.used_at.is_(None),
            SignInCode.expires_at > moment,
        )
    ).all()
    match = next((c for c in open_codes if _matches(c.code_hash, cleaned)), None)
    if match is None:
        raise refused
    validate_password(new_password, user.username)  # StoreError when too weak: code kept
    user.password_hash = hash_password(new_password)
    match.used_at = moment
    actor = Actor(user.id, Role(user.role))
    patient_id = session.scalar(select(Patient.id).where(Patient.user_id == user.id))
    audit(session, actor, AuditAction.UPDATE, "sign_in_code", patient_id, detail="redeemed")
    return actor


def _matches(code_hash: str, code: str) -> bool:
    try:
        return bool(password_hasher().verify(code_hash, code))
    except (VerificationError, InvalidHashError):
        return False


def patient_user(tx: Transaction, actor: Actor, patient_id: int) -> str:
    """The username of a patient's account (to say where the code goes)."""
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    user = session.get(User, patient.user_id)
    if user is None:
        raise NotFound(f"patient #{patient_id} has no account")
    return user.username
