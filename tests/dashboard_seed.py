"""A small clinic with recent sessions for the dashboard tests (on the store's `Clinic`).

- patient 0 (therapist A, opted in to landmark storage): six sessions over the last three
  weeks, knee extension (left) with ROM rising 60 -> 80 deg, wall sits, check-ins, form issues,
  and one session counted by the real engine from a synthetic stream, its landmarks kept;
- patient 1 (therapist A): a program, no session yet;
- patient 2 (therapist B): two sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from rehab.core.analysis import analyze_stream
from rehab.core.results import HoldResult, Side
from rehab.core.synthetic import synthetic_stream
from rehab.dashboard.state import USER_KEY, WEB_SESSION_KEY, SignedIn
from rehab.exercise_library import load_library
from rehab.store import Actor, Database, SessionRecorder, connect, database_url, start_web_session
from rehab.store.models import Patient
from rehab.store.queries import patient_detail
from rehab.store.testing import Clinic, cue, full_url, make_rep, sql_session

DAYS_AGO = (20, 17, 13, 10, 6, 3)


@dataclass(frozen=True)
class Seeded:
    db: Database
    clinic: Clinic
    now: dt.datetime
    sessions: dict[int, list[int]]  # patient index -> session ids, oldest first
    stream_session: int  # the session with a stored landmark stream


def _items(db: Database, actor: Actor, patient_id: int) -> dict[str, int]:
    with db.transaction() as tx:
        program = patient_detail(tx, actor, patient_id).programs[0]
    return {item.exercise_id: item.item_id for item in program.items}


def _session(
    db: Database, actor: Actor, patient_id: int, at: dt.datetime, n: int, items: dict[str, int]
) -> int:
    with SessionRecorder.start(db, actor, patient_id, clock=lambda: at) as rec:
        rec.begin_set("knee_extension", Side.LEFT, items["knee_extension"])
        for i in range(1, 9):
            issues = (cue(3000.0 * i + 100),) if (i + n) % 4 == 0 else ()
            rec.record_rep(make_rep(i, rom_deg=60.0 + 4 * n + i % 3, issues=issues))
        rec.record_rep(make_rep(9, rom_deg=30.0, complete=False))
        rec.end_set()
        rec.begin_set("wall_sit", Side.BOTH, items["wall_sit"])
        rec.record_hold(HoldResult("wall_sit", Side.BOTH, 0.0, 18000.0, 15.0 + n, 95.0, False, 0.9))
        rec.end_set()
        rec.check_in(pain_before=4 - n // 2, pain_after=5 - n // 2, effort_rpe=5, comment="ok")
        return rec.session_id


def _stream_session(db: Database, actor: Actor, patient_id: int, at: dt.datetime) -> int:
    exercise = load_library().get("knee_extension")
    stream = synthetic_stream(exercise, n_reps=4, side=Side.LEFT, seed=2)
    result = analyze_stream(stream, exercise, Side.LEFT)
    with SessionRecorder.start(db, actor, patient_id, clock=lambda: at) as rec:
        set_id = rec.record_set(result, Side.LEFT)
        rec.store_landmarks(stream, set_id)
        return rec.session_id


def seed(db: Database) -> Seeded:
    clinic = Clinic(db)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with sql_session(db) as s:
        s.execute(
            update(Patient).where(Patient.id == clinic.patients[0]).values(store_landmarks=True)
        )
    sessions: dict[int, list[int]] = {0: [], 1: [], 2: []}
    for index, therapist, days in ((0, clinic.ther_a, DAYS_AGO), (2, clinic.ther_b, (9, 2))):
        pid = clinic.patients[index]
        items = _items(db, therapist, pid)
        for n, ago in enumerate(days):
            at = now - dt.timedelta(days=ago, hours=2)
            sessions[index].append(_session(db, therapist, pid, at, n, items))
    stream_session = _stream_session(
        db, clinic.ther_a, clinic.patients[0], now - dt.timedelta(days=1)
    )
    sessions[0].append(stream_session)
    return Seeded(db, clinic, now, sessions, stream_session)


# -- AppTest helpers ---------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PAGES = "rehab/dashboard/pages"


def use_database(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    """Point the app (same process) at the test database."""
    monkeypatch.setenv("REHAB_DATABASE_URL", full_url(db))


def signed_in(actor: Actor, name: str = "Someone", patient_id: int | None = None) -> SignedIn:
    return SignedIn(actor, f"user{actor.user_id}", name, patient_id)


def web_session_of(user: SignedIn) -> int:
    """A sign-in session in the app's database (every page run checks it)."""
    session_id, _code = start_web_session(connect(database_url()), user.actor, "apptest")
    return session_id


def open_page(
    user: SignedIn | None,
    page: str | None = None,
    *,
    state: dict[str, object] | None = None,
    timeout_s: float = 30,
) -> AppTest:
    """The app run as `user` (None: a visitor), on `page` (a module of rehab/dashboard/pages)."""
    at = AppTest.from_file(APP, default_timeout=timeout_s)
    if user is not None:
        at.session_state[USER_KEY] = user
        at.session_state[WEB_SESSION_KEY] = web_session_of(user)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"{PAGES}/{page}.py").run()
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    """The text of every element of a kind ("error", "info", "title", ...) on the page."""
    return [str(element.value) for element in at.get(kind)]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
