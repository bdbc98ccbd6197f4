"""Accounts: the password rules, usernames that ignore case, deactivating, reactivating and
resetting, and the sign-in throttle (growing wait, then a lock; per account and per client;
audited). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from rehab.domain import Role
from rehab.errors import AccessDenied, NotYours, SignInThrottled, StoreError
from rehab.store import (
    Database,
    WeakPassword,
    check_web_session,
    create_user,
    reset_password,
    set_active,
    sign_in,
    start_web_session,
    validate_password,
)
from rehab.store.models import AuditEntry
from rehab.store.sign_in_throttle import ACCOUNT, CLIENT
from rehab.store.testing import T0, Clinic, password_of, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pw1", "too short"),
        ("x" * 1025, "too long"),
        ("password1234", "too common"),  # on the list
        ("Qwertyuiop123!", "too common"),  # a listed word with digits and symbols added
        ("iloveyou-2024", "too common"),
        ("correct horse battery staple", None),
        ("we go to it", None),  # a short passphrase of four words
        ("a b c d e f", "too short"),  # one-letter words are no passphrase
        ("dana", "too short"),
        ("Dana123456789", None),  # the name with enough besides it
        ("dana-1!", "too short"),
        ("DANA_2024", "too short"),
        ("aaaaaaaaaaaaaaa", "too few characters"),
        ("Tr4vel-by-night", None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    if problem is None:
        validate_password(password, "dana")
    else:
        with pytest.raises(WeakPassword, match=problem):
            validate_password(password, "dana")


def test_a_password_that_is_the_username_is_refused() -> None:
    with pytest.raises(WeakPassword, match="must not be the username"):
        validate_password("Margaret-Thatch", "margaret-thatch")
    with pytest.raises(WeakPassword, match="must not be the username"):
        validate_password("margaretthatcher1", "MargaretThatcher")


def test_create_user_applies_the_rules(db: Database, clinic: Clinic) -> None:
    with pytest.raises(WeakPassword), db.transaction() as tx:
        create_user(tx, clinic.admin, "newbie", "N", Role.THERAPIST, "12345678")
    with pytest.raises(StoreError, match="no spaces"), db.transaction() as tx:
        create_user(tx, clinic.admin, "new bie", "N", Role.THERAPIST, "a-long-pass-phrase")


def test_usernames_are_unique_regardless_of_case(db: Database, clinic: Clinic) -> None:
    with pytest.raises(StoreError, match="ignore case"), db.transaction() as tx:
        create_user(tx, clinic.admin, "THER_A", "Imposter", Role.THERAPIST, "a-long-pass-phrase")
    actor = sign_in(db, "Ther_A", password_of("ther_a"), "198.51.100.1")  # any case signs in
    assert actor == clinic.ther_a


def test_deactivating_ends_access_and_sessions_at_once(db: Database, clinic: Clinic) -> None:
    session_id, _code = start_web_session(db, clinic.ther_a, "198.51.100.1")
    assert check_web_session(db, session_id).actor == clinic.ther_a
    with db.transaction() as tx:
        set_active(tx, clinic.admin, clinic.ther_a.user_id, False)
    assert check_web_session(db, session_id).actor is None
    with pytest.raises(AccessDenied, match="wrong username or password"):
        sign_in(db, "ther_a", password_of("ther_a"), "198.51.100.1")
    with db.transaction() as tx:
        set_active(tx, clinic.admin, clinic.ther_a.user_id, True)
    assert sign_in(db, "ther_a", password_of("ther_a"), "198.51.100.1") == clinic.ther_a


def test_only_an_admin_deactivates_and_never_the_last_admin(db: Database, clinic: Clinic) -> None:
    with pytest.raises(AccessDenied), db.transaction() as tx:
        set_active(tx, clinic.ther_a, clinic.ther_b.user_id, False)
    with pytest.raises(StoreError, match="your own account"), db.transaction() as tx:
        set_active(tx, clinic.admin, clinic.admin.user_id, False)
    with db.transaction() as tx:
        other = create_user(tx, clinic.admin, "admin2", "A2", Role.ADMIN, "a-long-pass-phrase")
    with pytest.raises(StoreError, match="last active admin"), db.transaction() as tx:
        from rehab.store import Actor

        set_active(tx, Actor(other, Role.ADMIN), clinic.admin.user_id, False)
        set_active(tx, clinic.admin, other, False)  # would leave no admin: never reached
    with pytest.raises(NotYours), db.transaction() as tx:
        set_active(tx, clinic.admin, 9999, False)


def test_reset_password_ends_sessions_and_follows_the_rules(db: Database, clinic: Clinic) -> None:
    session_id, _code = start_web_session(db, clinic.ther_b, "198.51.100.1")
    with pytest.raises(WeakPassword), db.transaction() as tx:
        reset_password(tx, clinic.admin, clinic.ther_b.user_id, "short")
    assert check_web_session(db, session_id).actor == clinic.ther_b  # nothing changed
    with pytest.raises(AccessDenied), db.transaction() as tx:
        reset_password(tx, clinic.ther_a, clinic.ther_b.user_id, "a-new-long-phrase")
    with db.transaction() as tx:
        reset_password(tx, clinic.admin, clinic.ther_b.user_id, "a-new-long-phrase")
    assert check_web_session(db, session_id).actor is None
    assert sign_in(db, "ther_b", "a-new-long-phrase", "198.51.100.1") == clinic.ther_b


def _fail(db: Database, username: str, client: str, at: dt.datetime) -> float:
    """One wrong password: 0 when it was checked (and wrong), else the wait it was told."""
    try:
        sign_in(db, username, "wrong-password-x", client, now=at)
    except SignInThrottled as exc:
        return exc.retry_after_s
    except AccessDenied:
        return 0.0
    raise AssertionError("a wrong password signed in")


@pytest.mark.parametrize("username", ["ther_a", "no_such_user"])
def test_failures_make_the_account_wait_longer_then_lock(
    db: Database, clinic: Clinic, username: str
) -> None:
    """The same for a real account and an unknown name (asking cannot tell them apart)."""
    at = T0
    waits = []
    for n in range(1, ACCOUNT.lock_after + 1):
        assert _fail(db, username, f"203.0.113.{n}", at) == 0.0  # checked, wrong
        waits.append(ACCOUNT.wait_after(n))
        if waits[-1]:
            told = _fail(db, username, "203.0.113.200", at + dt.timedelta(seconds=0.5))
            assert told == pytest.approx(waits[-1] - 0.5)  # refused unchecked
        at += dt.timedelta(seconds=waits[-1] + 0.1)
        if n == ACCOUNT.lock_after:
            at -= dt.timedelta(seconds=waits[-1])  # stay inside the lock
    assert waits[: ACCOUNT.free] == [0.0] * (ACCOUNT.free - 1) + [2.0]
    assert waits[ACCOUNT.free : ACCOUNT.free + 3] == [4.0, 8.0, 16.0]
    assert waits[-1] == ACCOUNT.lock_s  # locked for 15 minutes
    if username == "ther_a":  # even the right password waits out the lock
        with pytest.raises(SignInThrottled):
            sign_in(db, "ther_a", password_of("ther_a"), "203.0.113.99", now=at)
        later = at + dt.timedelta(seconds=ACCOUNT.lock_s + 1)
        assert sign_in(db, "ther_a", password_of("ther_a"), "203.0.113.99", now=later)


def test_a_success_clears_the_account_count(db: Database, clinic: Clinic) -> None:
    at = T0
    for _ in range(ACCOUNT.free - 1):
        _fail(db, "ther_a", "203.0.113.5", at)
    assert sign_in(db, "ther_a", password_of("ther_a"), "203.0.113.5", now=at) == clinic.ther_a
    for _ in range(ACCOUNT.free - 1):
        assert _fail(db, "ther_a", "203.0.113.5", at) == 0.0  # free again, no wait


def test_one_client_guessing_many_accounts_is_throttled(db: Database, clinic: Clinic) -> None:
    at = T0
    for n in range(CLIENT.free):
        assert _fail(db, f"guess{n}", "203.0.113.66", at) == 0.0
    assert _fail(db, "guess-next", "203.0.113.66", at) > 0  # the client waits
    assert _fail(db, "guess-next", "203.0.113.67", at) == 0.0  # another client does not


def test_sign_ins_are_audited_without_the_typed_name(db: Database, clinic: Clinic) -> None:
    _fail(db, "ther_b", "203.0.113.9", T0)
    _fail(db, "secret-typed-in-the-wrong-box", "203.0.113.9", T0)
    sign_in(db, "ther_b", password_of("ther_b"), "203.0.113.9", now=T0)
    with sql_session(db) as s:
        rows = s.execute(
            select(AuditEntry.user_id, AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.resource == "sign_in")
            .order_by(AuditEntry.id)
        ).all()
    b = clinic.ther_b.user_id
    assert [tuple(r) for r in rows] == [
        (b, "sign_in_failed", "client 203.0.113.9"),
        (None, "sign_in_failed", "client 203.0.113.9; unknown username"),
        (b, "sign_in", "client 203.0.113.9"),
    ]


def test_parallel_guesses_are_all_counted(db: Database, clinic: Clinic) -> None:
    """Each attempt is counted before its password is checked: 12 guesses at once cannot
    all slip through before the lock (only `free` of them are checked)."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        waits = list(pool.map(lambda n: _fail(db, "ther_a", f"203.0.113.{n}", T0), range(12)))
    checked = sum(1 for w in waits if w == 0.0)
    assert checked == ACCOUNT.free  # the first free failures, then each one must wait
