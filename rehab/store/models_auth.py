"""Tables of signing in: server-side web sessions and the sign-in throttle (see
`rehab.store.web_sessions` and `rehab.store.sign_in_throttle`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rehab.store.models import Base, UTCDateTime, _now


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the row only its SHA-256.

    `handoff_hash` is a one-time code (60 s) the sign-in page hands to the browser, which
    trades it at `/auth/session` for the HttpOnly cookie (the page cannot set one itself).
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # absolute end
    client: Mapped[str] = mapped_column(String(64), default="")


class SignInThrottle(Base):
    """Failed sign-ins counted per account and per client (keys are SHA-256 hex: a typed
    username may be a mistyped password, so it is never stored as typed)."""

    __tablename__ = "sign_in_throttle"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "account" or "client"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
