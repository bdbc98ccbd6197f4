"""Server-side sign-in sessions of the browser (the dashboard), with idle and absolute expiry.

A session row is made at sign-in. The browser's cookie holds a random token; the row holds
only its SHA-256, so a copy of the database signs nobody in. The page cannot set an HttpOnly
cookie itself: it hands the browser a one-time code (valid `HANDOFF`), which the browser
trades at the server's `/auth/session` route for the cookie (`cookie_for_handoff`).

Every request (every run of a page) checks its session (`check_web_session`): a
deactivated user, an ended session (signed out, password reset), an idle one (no request for
`idle`) or an old one (`absolute` after sign-in) ends there. Times come in as `now` so
tests can move the clock.

    REHAB_SESSION_IDLE_MINUTES   default 30
    REHAB_SESSION_MAX_HOURS      default 12
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rehab.domain import Role
from rehab.store.access import Actor
from rehab.store.database import Database, run_transaction, sql
from rehab.store.models import AuditAction, AuditEntry, User
from rehab.store.models_auth import WebSession

ENV_IDLE = "REHAB_SESSION_IDLE_MINUTES"
ENV_ABSOLUTE = "REHAB_SESSION_MAX_HOURS"
HANDOFF = dt.timedelta(seconds=60)
TOUCH_EVERY = dt.timedelta(seconds=30)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class SessionLimits:
    idle: dt.timedelta
    absolute: dt.timedelta

    @classmethod
    def from_environment(cls) -> SessionLimits:
        idle = _positive(ENV_IDLE, 30.0)
        hours = _positive(ENV_ABSOLUTE, 12.0)
        return cls(dt.timedelta(minutes=idle), dt.timedelta(hours=hours))


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class SessionCheck:
    """A request's session: the actor when it is valid, else why it ended."""

    actor: Actor | None
    ended: str = ""  # "expired", "signed out", "deactivated", ...


def start_web_session(
    db: Database, actor: Actor, client: str, now: dt.datetime | None = None
) -> tuple[int, str]:
    """A new session for a signed-in user: its id and the one-time code for the cookie."""
    at = now or _now()
    code = secrets.token_urlsafe(32)
    limits = SessionLimits.from_environment()

    def work(session: Session) -> int:
        row = WebSession(
            user_id=actor.user_id,
            handoff_hash=_hash(code),
            handoff_expires_at=at + HANDOFF,
            created_at=at,
            last_seen_at=at,
            expires_at=at + limits.absolute,
            client=client[:64],
        )
        session.add(row)
        session.flush()
        return row.id

    return run_transaction(db, work, what="sign-in session"), code


def cookie_for_handoff(db: Database, code: str, now: dt.datetime | None = None) -> str | None:
    """The cookie's token for a one-time code (None when unknown, used or expired): a new
    random token whose hash replaces any earlier one of that session."""
    at = now or _now()
    token = secrets.token_urlsafe(32)

    def work(session: Session) -> bool:
        row = session.scalar(select(WebSession).where(WebSession.handoff_hash == _hash(code)))
        if row is None:
            return False
        fresh = row.handoff_expires_at is not None and row.handoff_expires_at > at
        row.handoff_hash, row.handoff_expires_at = None, None  # one use, even a late one
        if fresh:
            row.token_hash = _hash(token)
        return fresh

    return token if run_transaction(db, work, what="sign-in cookie") else None


def session_for_cookie(db: Database, token: str, now: dt.datetime | None = None) -> int | None:
    """The id of the valid session a cookie's token belongs to (a reload, a bookmark)."""
    if not token or len(token) > 200:
        return None
    with db.read() as tx:
        row_id = sql(tx).scalar(select(WebSession.id).where(WebSession.token_hash == _hash(token)))
    if row_id is None:
        return None
    return row_id if check_web_session(db, row_id, now).actor is not None else None


def check_web_session(
    db: Database, session_id: int, now: dt.datetime | None = None
) -> SessionCheck:
    """The session's actor if it is still valid (user active, not idle, not too old);
    an ended session is deleted. Touches `last_seen_at` (at most every `TOUCH_EVERY`)."""
    at = now or _now()
    limits = SessionLimits.from_environment()

    def work(session: Session) -> SessionCheck:
        found = session.execute(
            select(WebSession, User.role, User.is_active)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.id == session_id)
        ).first()
        if found is None:
            return SessionCheck(None, "signed out")
        row, role, active = found
        ended = _why_ended(row, bool(active), at, limits)
        if ended:
            session.delete(row)
            return SessionCheck(None, ended)
        if at - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = at
        return SessionCheck(Actor(row.user_id, Role(role)))

    with db.read() as tx:  # the common case writes nothing: no write lock
        row = sql(tx).get(WebSession, session_id)
        quiet = row is not None and at - row.last_seen_at < TOUCH_EVERY
        if quiet and row is not None:
            user = sql(tx).get(User, row.user_id)
            if user is not None and not _why_ended(row, user.is_active, at, limits):
                return SessionCheck(Actor(row.user_id, Role(user.role)))
    return run_transaction(db, work, what="sign-in session check")


def _why_ended(row: WebSession, active: bool, at: dt.datetime, limits: SessionLimits) -> str:
    if not active:
        return "deactivated"
    if at >= row.expires_at:
        return "expired"
    if at - row.last_seen_at >= limits.idle:
        return "idle"
    return ""


def end_web_session(db: Database, session_id: int) -> None:
    """Sign out: the session row is deleted (its cookie signs nobody in any more)."""

    def work(session: Session) -> None:
        row = session.get(WebSession, session_id)
        if row is not None:
            session.add(
                AuditEntry(
                    user_id=row.user_id,
                    action=AuditAction.SIGN_OUT.value,
                    resource="sign_in",
                    detail=f"client {row.client}"[:255],
                )
            )
            session.delete(row)

    run_transaction(db, work, what="sign-out")


def end_sessions_of(session: Session, user_id: int) -> None:
    """End every sign-in session of a user (deactivated, password reset)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired(db: Database, now: dt.datetime | None = None) -> int:
    """Delete the sessions past their absolute end (a start-up chore); how many."""
    at = now or _now()

    def work(session: Session) -> int:
        result = session.execute(delete(WebSession).where(WebSession.expires_at <= at))
        return int(getattr(result, "rowcount", 0) or 0)

    return run_transaction(db, work, what="expired sign-in sessions")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
