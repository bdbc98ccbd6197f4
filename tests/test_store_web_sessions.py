"""Server-side sign-in sessions: the one-time code for the cookie, the cookie's token (only
its hash stored), idle and absolute expiry, signing out. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from rehab.store import (
    Database,
    check_web_session,
    cookie_for_handoff,
    end_web_session,
    purge_expired,
    session_for_cookie,
    start_web_session,
)
from rehab.store.models_auth import WebSession
from rehab.store.testing import T0, Clinic, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

CLIENT = "198.51.100.7"


def _later(**delta: float) -> dt.datetime:
    return T0 + dt.timedelta(**delta)


def test_the_code_buys_one_cookie_and_the_cookie_finds_the_session(
    db: Database, clinic: Clinic
) -> None:
    session_id, code = start_web_session(db, clinic.ther_a, CLIENT, now=T0)
    token = cookie_for_handoff(db, code, now=_later(seconds=5))
    assert token is not None and token != code
    assert cookie_for_handoff(db, code, now=_later(seconds=6)) is None  # one use only
    assert session_for_cookie(db, token, now=_later(seconds=7)) == session_id
    assert session_for_cookie(db, token + "x", now=_later(seconds=7)) is None
    with sql_session(db) as s:
        row = s.scalar(select(WebSession).where(WebSession.id == session_id))
        assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.handoff_hash is None  # nothing in the database signs anybody in


def test_a_late_code_buys_nothing(db: Database, clinic: Clinic) -> None:
    _session_id, code = start_web_session(db, clinic.ther_a, CLIENT, now=T0)
    assert cookie_for_handoff(db, code, now=_later(seconds=61)) is None


def test_idle_and_absolute_expiry(
    db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHAB_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("REHAB_SESSION_MAX_HOURS", "2")
    idle_one, _ = start_web_session(db, clinic.ther_a, CLIENT, now=T0)
    busy_one, _ = start_web_session(db, clinic.ther_b, CLIENT, now=T0)
    assert check_web_session(db, idle_one, now=_later(minutes=29)).actor == clinic.ther_a
    ended = check_web_session(db, idle_one, now=_later(minutes=59, seconds=30))
    assert (ended.actor, ended.ended) == (None, "idle")
    assert check_web_session(db, idle_one, now=_later(minutes=60)).ended == "signed out"
    for minutes in range(20, 120, 20):  # used every 20 minutes: never idle ...
        assert check_web_session(db, busy_one, now=_later(minutes=minutes)).actor is not None
    assert check_web_session(db, busy_one, now=_later(minutes=121)).ended == "expired"  # ... 2 h


def test_signing_out_ends_the_session_and_its_cookie(db: Database, clinic: Clinic) -> None:
    session_id, code = start_web_session(db, clinic.pat_users[0], CLIENT)
    token = cookie_for_handoff(db, code)
    assert token is not None
    end_web_session(db, session_id)
    assert check_web_session(db, session_id).ended == "signed out"
    assert session_for_cookie(db, token) is None


def test_expired_sessions_are_purged(db: Database, clinic: Clinic) -> None:
    start_web_session(db, clinic.ther_a, CLIENT, now=T0)
    fresh, _ = start_web_session(db, clinic.ther_a, CLIENT, now=_later(hours=20))
    assert purge_expired(db, now=_later(hours=13)) == 1
    with sql_session(db) as s:
        assert s.scalars(select(WebSession.id)).all() == [fresh]
