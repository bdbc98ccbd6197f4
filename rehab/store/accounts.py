"""User accounts: creating them, listing them, and who is signed in.

- an admin creates any user; a therapist creates patient accounts; the first admin is
  created with `actor=None` (bootstrap, only while the database has no admin);
- only an admin lists the accounts;
- the operator functions (`has_accounts`, `actor_named`, `first_admin`) take no Actor: the
  sign-in page and the CLI on the server call them before anyone is signed in (the demo
  clinic's are in `demo_data.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, actor_for, audit, hash_password, require_role
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, Patient, User


@dataclass(frozen=True)
class UserProfile:
    """The signed-in user as the pages show them."""

    actor: Actor
    username: str
    display_name: str
    patient_id: int | None  # a patient's own record (None: not a patient, or no record yet)


@dataclass(frozen=True)
class UserRow:
    """One account in the admin's list."""

    user_id: int
    username: str
    display_name: str
    role: Role
    is_active: bool
    therapist_name: str | None  # a patient's therapist
    condition: str | None


def create_user(
    tx: Transaction,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    *,
    is_demo: bool = False,
) -> int:
    """A new user's id. Only an admin may create users (or anyone, to create the first admin)."""
    session = sql(tx)
    if actor is None:
        has_admin = session.scalar(select(func.count()).where(User.role == Role.ADMIN.value))
        if role is not Role.ADMIN or has_admin:
            raise AccessDenied("only an admin can create users (the first user must be an admin)")
    elif not (actor.role is Role.ADMIN or (actor.role is Role.THERAPIST and role is Role.PATIENT)):
        raise AccessDenied(f"{actor.label}: cannot create a {role.value} account")
    return add_user(session, actor, username, display_name, role, password, is_demo=is_demo)


def add_user(
    session: Session,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    *,
    is_demo: bool,
) -> int:
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


def user_profile(tx: Transaction, actor: Actor) -> UserProfile:
    """The actor's own name, username and (for a patient) patient record."""
    session = sql(tx)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(f"no user #{actor.user_id}")
    patient_id = None
    if actor.role is Role.PATIENT:
        patient_id = session.scalar(select(Patient.id).where(Patient.user_id == actor.user_id))
    return UserProfile(actor, user.username, user.display_name, patient_id)


def list_users(tx: Transaction, actor: Actor) -> list[UserRow]:
    """Every account (admin only), with each patient's therapist and condition."""
    require_role(actor, Role.ADMIN)
    session = sql(tx)
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


def user_names(tx: Transaction, actor: Actor, role: Role) -> dict[int, str]:
    """Active users of a role by id, for pickers on the admin's pages (admin only)."""
    require_role(actor, Role.ADMIN)
    session = sql(tx)
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.role == role.value, User.is_active.is_(True))
        .order_by(User.display_name)
    ).all()
    audit(session, actor, AuditAction.READ, "user_names", detail=role.value)
    return {user_id: name for user_id, name in rows}


def has_accounts(tx: Transaction) -> bool:
    """Whether any account exists (the sign-in page explains how to make the first)."""
    return sql(tx).scalar(select(User.id).limit(1)) is not None


def actor_named(tx: Transaction, username: str) -> Actor:
    """Operator only (the CLI's `--as USERNAME`): the Actor of an active user."""
    user_id = sql(tx).scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user '{username}'")
    return actor_for(tx, user_id)


def first_admin(tx: Transaction) -> Actor | None:
    """Operator only: the first active admin (the CLI's default acting user), if any."""
    admin_id = sql(tx).scalar(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return None if admin_id is None else Actor(admin_id, Role.ADMIN)
