"""User accounts: creating them, listing them, and who is signed in.

- an admin creates any user; a therapist creates patient accounts; the first admin is
  created with `actor=None` (bootstrap, only while the database has no admin);
- only an admin lists the accounts, deactivates and reactivates them and resets passwords
  (deactivating or resetting ends the user's sign-in sessions at once);
- every password set goes through `validate_password` (the one place of the rules);
- usernames are unique regardless of case (`username_key`);
- the operator functions (`has_accounts`, `actor_named`, `first_admin`) take no Actor: the
  sign-in page and the CLI on the server call them before anyone is signed in (the demo
  clinic's are in `demo_data.py`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import (
    Actor,
    actor_for,
    audit,
    hash_password,
    refuse,
    require_role,
    user_by_name,
    username_key,
)
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, Patient, User
from rehab.store.sign_in_throttle import clear_account_throttle
from rehab.store.web_sessions import end_sessions_of

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USERNAME_REST = 6  # a password holding the username needs this many characters besides it
PASSPHRASE_WORDS = 4  # a passphrase: this many words (of 2+ letters, 3 different) or more
# the rule in a form's words (every password field says it)
PASSWORD_RULE = f"{MIN_PASSWORD_LENGTH}+ characters, or a passphrase of {PASSPHRASE_WORDS}+ words"
USERNAME = re.compile(r"^[\w.@-]{2,64}$")  # letters (any script), digits, . _ @ -
COMMON_PASSWORDS = "common_passwords.txt"


class WeakPassword(StoreError):
    """A password the rules refuse (the message says which rule and what to do)."""


def validate_password(password: str, username: str) -> None:
    """WeakPassword unless `password` follows the rules: at least 12 characters or a
    passphrase of 4 words or more; not a common password (a bundled list of 30,000, also
    with digits or symbols added at either end); not the username, nor the username with
    fewer than 6 other characters."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"password too long: at most {MAX_PASSWORD_LENGTH} characters")
    if len(password) < MIN_PASSWORD_LENGTH and not _is_passphrase(password):
        raise WeakPassword(
            f"password too short: use at least {MIN_PASSWORD_LENGTH} characters, "
            f"or a passphrase of {PASSPHRASE_WORDS} words or more"
        )
    folded = unicodedata.normalize("NFKC", password).casefold()
    name = username_key(username)
    if name and (folded == name or len(folded.replace(name, "")) < USERNAME_REST):
        raise WeakPassword("the password must not be the username (with a few characters added)")
    if _is_common(folded):
        raise WeakPassword("this password is too common (it is on a list attackers try first)")
    if len(set(folded)) < 4:
        raise WeakPassword("the password repeats too few characters: choose a longer phrase")


def _is_passphrase(password: str) -> bool:
    words = [w for w in re.split(r"[\s_.-]+", password.strip()) if w]
    long_enough = [w for w in words if len(w) >= 2 and w.isalpha()]
    return len(long_enough) >= PASSPHRASE_WORDS and len({w.casefold() for w in words}) >= 3


def _is_common(folded: str) -> bool:
    common = common_passwords()
    stripped = folded.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    squeezed = re.sub(r"[\s_.-]+", "", folded)
    return folded in common or stripped in common or squeezed in common


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list (lower case), read once."""
    text = resources.files("rehab.store").joinpath(COMMON_PASSWORDS).read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_username(username: str) -> str:
    """The username as it will be stored (NFKC, trimmed); StoreError when not allowed."""
    name = unicodedata.normalize("NFKC", username.strip())
    if not name:
        raise StoreError("a username cannot be empty")
    if not USERNAME.match(name):
        raise StoreError(
            f"username '{name[:64]}': use 2 to 64 letters, digits or . _ @ - (no spaces)"
        )
    return name


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
    username = check_username(username)
    validate_password(password, username)
    if user_by_name(session, username) is not None:
        raise StoreError(f"username '{username}' is taken (usernames ignore case)")
    user = User(
        username=username,
        username_key=username_key(username),
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
    user = user_by_name(sql(tx), username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return actor_for(tx, user.id)


def user_id_named(tx: Transaction, actor: Actor, username: str) -> int:
    """The id of the account called `username` (admin only: the CLI's user commands)."""
    require_role(actor, Role.ADMIN)
    user = user_by_name(sql(tx), username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user.id


def set_active(tx: Transaction, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (ends every sign-in session of theirs at once) or reactivate an account
    (admin only). An admin cannot deactivate themselves, nor the last active admin."""
    require_role(actor, Role.ADMIN)
    session = sql(tx)
    user = session.get(User, user_id)
    if user is None:
        raise refuse(session, actor, "user", user_id)
    if not active and user.id == actor.user_id:
        raise StoreError("you cannot deactivate your own account (another admin can)")
    if not active and user.role == Role.ADMIN.value and _active_admins(session) <= 1:
        raise StoreError("the last active admin cannot be deactivated")
    if user.is_active == active:
        return
    user.is_active = active
    if active:
        clear_account_throttle(session, user.username)
    else:
        end_sessions_of(session, user.id)
    detail = "reactivated" if active else "deactivated"
    audit(session, actor, AuditAction.UPDATE, "user", resource_id=user.id, detail=detail)


def reset_password(tx: Transaction, actor: Actor, user_id: int, new_password: str) -> None:
    """Set a new password (admin only, or the user themself); ends the user's sign-in
    sessions and lifts a sign-in lock on the account."""
    session = sql(tx)
    if actor.user_id != user_id:
        require_role(actor, Role.ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise refuse(session, actor, "user", user_id)
    validate_password(new_password, user.username)
    user.password_hash = hash_password(new_password)
    end_sessions_of(session, user.id)
    clear_account_throttle(session, user.username)
    audit(session, actor, AuditAction.UPDATE, "user", resource_id=user.id, detail="password reset")


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN.value, User.is_active.is_(True)
            )
        )
        or 0
    )


def first_admin(tx: Transaction) -> Actor | None:
    """Operator only: the first active admin (the CLI's default acting user), if any."""
    admin_id = sql(tx).scalar(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return None if admin_id is None else Actor(admin_id, Role.ADMIN)
