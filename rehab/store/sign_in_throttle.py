"""Signing in with a throttle: failed sign-ins are counted per account and per client, with
a growing wait between attempts and then a temporary lock; every attempt is audited.

    actor = sign_in(db, "dana", password, client="203.0.113.7")

The rules (`ACCOUNT`, `CLIENT`): the first failures are free; after them each failure makes
the next attempt wait twice as long (2 s, 4 s, ... up to a minute), and past `lock_after`
failures the account (or client) is locked for 15 minutes. A count is forgotten an hour after
its last failure; a successful sign-in clears the account's count. An attempt made while
blocked is refused before the password is looked at (so a lock cannot be guessed through)
and is not counted. Unknown usernames are throttled exactly like real ones.

Each attempt is counted as a failure *before* the password is checked (and given back when
it was right), so parallel guesses cannot slip between the check and the count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.errors import AccessDenied, SignInThrottled
from rehab.store.access import Actor, check_password, user_by_name, username_key
from rehab.store.database import Database, run_transaction
from rehab.store.models import AuditAction, AuditEntry
from rehab.store.models_auth import SignInThrottle

log = logging.getLogger(__name__)

ACCOUNT_SCOPE = "account"
CLIENT_SCOPE = "client"


@dataclass(frozen=True)
class ThrottlePolicy:
    free: int  # failures before any wait
    lock_after: int  # failures that lock
    base_delay_s: float  # the first wait; it doubles with each failure
    max_delay_s: float
    lock_s: float
    forget_s: float  # a count is forgotten this long after its last failure

    def wait_after(self, failures: int) -> float:
        """Seconds the next attempt must wait after `failures` failures in a row."""
        if failures < self.free:
            return 0.0
        if failures >= self.lock_after:
            return self.lock_s
        return float(min(self.base_delay_s * 2 ** (failures - self.free), self.max_delay_s))


ACCOUNT = ThrottlePolicy(
    free=3, lock_after=10, base_delay_s=2, max_delay_s=60, lock_s=900, forget_s=3600
)
CLIENT = ThrottlePolicy(
    free=10, lock_after=30, base_delay_s=1, max_delay_s=60, lock_s=900, forget_s=3600
)
POLICIES = {ACCOUNT_SCOPE: ACCOUNT, CLIENT_SCOPE: CLIENT}


def sign_in(
    db: Database, username: str, password: str, client: str, now: dt.datetime | None = None
) -> Actor:
    """The Actor when the password is right; AccessDenied ("wrong username or password")
    when not, SignInThrottled when this account or client must wait. Audited either way."""
    return throttled(db, username, client, lambda s: _check(s, username, password), now)


def throttled(
    db: Database,
    username: str,
    client: str,
    attempt: Callable[[Session], Actor | None],
    now: dt.datetime | None = None,
    refusal: str = "wrong username or password",
) -> Actor:
    """Any sign-in secret checked by `attempt` (a password, a one-time code) under the same
    throttle and audit: the Actor, AccessDenied(`refusal`) or SignInThrottled."""
    at = now or dt.datetime.now(dt.UTC)
    keys = {ACCOUNT_SCOPE: _key(username_key(username)), CLIENT_SCOPE: _key(client)}
    wait_s = run_transaction(
        db, lambda s: _reserve(s, keys, at, username, client), what="sign-in throttle"
    )
    if wait_s > 0:
        raise SignInThrottled(wait_s)
    actor = run_transaction(db, attempt, what="sign-in")
    run_transaction(
        db, lambda s: _settle(s, keys, at, username, client, actor), what="sign-in record"
    )
    if actor is None:
        raise AccessDenied(refusal)
    return actor


def clear_account_throttle(session: Session, username: str) -> None:
    """Lift the count (and a lock) of an account: an admin reset its password or
    reactivated it."""
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.scope == ACCOUNT_SCOPE,
            SignInThrottle.key == _key(username_key(username)),
        )
    )


def _key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _rows(session: Session, keys: dict[str, str], at: dt.datetime) -> list[SignInThrottle]:
    """The throttle rows of `keys`, made when missing and locked for this transaction."""
    values = [
        {"scope": scope, "key": key, "failures": 0, "last_failure_at": at}
        for scope, key in keys.items()
    ]
    dialect = session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(SignInThrottle).values(values).on_conflict_do_nothing())
    wanted = [(scope, key) for scope, key in keys.items()]
    rows = session.scalars(
        select(SignInThrottle)
        .where(SignInThrottle.scope.in_(keys), SignInThrottle.key.in_(keys.values()))
        .with_for_update()
    ).all()
    return [r for r in rows if (r.scope, r.key) in wanted]


def _reserve(
    session: Session, keys: dict[str, str], at: dt.datetime, username: str, client: str
) -> float:
    """Seconds to wait (the attempt refused and audited), or 0 with the attempt counted."""
    rows = _rows(session, keys, at)
    for row in rows:
        if (at - row.last_failure_at).total_seconds() > POLICIES[row.scope].forget_s:
            row.failures, row.blocked_until = 0, None
    blocked = [r.blocked_until for r in rows if r.blocked_until and r.blocked_until > at]
    if blocked:
        user = user_by_name(session, username)
        _audit(session, AuditAction.SIGN_IN_BLOCKED, user.id if user else None, client)
        return (max(blocked) - at).total_seconds()
    for row in rows:
        row.failures += 1
        row.last_failure_at = at
        wait_s = POLICIES[row.scope].wait_after(row.failures)
        row.blocked_until = at + dt.timedelta(seconds=wait_s) if wait_s else None
    return 0.0


def _check(session: Session, username: str, password: str) -> Actor | None:
    user = check_password(session, username, password)
    return None if user is None else Actor(user.id, Role(user.role))


def _settle(
    session: Session,
    keys: dict[str, str],
    at: dt.datetime,
    username: str,
    client: str,
    actor: Actor | None,
) -> None:
    """Give the counted attempt back when it succeeded; audit the outcome."""
    if actor is None:
        user = user_by_name(session, username)
        _audit(session, AuditAction.SIGN_IN_FAILED, user.id if user else None, client)
        return
    for row in _rows(session, keys, at):
        if row.scope == ACCOUNT_SCOPE:
            session.delete(row)
            continue
        row.failures = max(row.failures - 1, 0)
        wait_s = CLIENT.wait_after(row.failures)
        row.blocked_until = row.last_failure_at + dt.timedelta(seconds=wait_s) if wait_s else None
    _audit(session, AuditAction.SIGN_IN, actor.user_id, client)


def _audit(session: Session, action: AuditAction, user_id: int | None, client: str) -> None:
    """An audit entry of a sign-in attempt: the account's id when it exists (never the
    typed username: it may be a mistyped password) and the client."""
    detail = f"client {client}" + ("" if user_id is not None else "; unknown username")
    log.info("%s: user #%s, %s", action.value, user_id, detail)
    session.add(
        AuditEntry(user_id=user_id, action=action.value, resource="sign_in", detail=detail[:255])
    )
