"""Helpers for the tests and benchmarks (a small clinic, reps, raw SQL access to check what
was stored); the fixtures are in pytest_plugin.py. Not for the app: only tests/ and
benchmarks/ import this module."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, make_url, text
from sqlalchemy.orm import Session

from rehab.core.results import FormIssue, RepResult, Severity, Side
from rehab.domain import Role
from rehab.store.access import Actor
from rehab.store.accounts import create_user
from rehab.store.clinic import ExercisePlan, create_patient, prescribe
from rehab.store.database import Database, Transaction, create_db_engine, engine_of, sql

XDIST_WORKER = "PYTEST_XDIST_WORKER"  # set by pytest-xdist in each worker process ("gw0"...)


def worker_postgres_url(url: str) -> str:
    """The test database of this test process: `url` itself, or under pytest-xdist one
    database per worker (`<name>_gw0`, created when missing), so parallel workers never
    wipe each other's tables. The role needs CREATEDB for that (.ci/postgres-setup.sh)."""
    worker = os.environ.get(XDIST_WORKER, "").strip()
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = worker_postgres_url(os.environ.get("REHAB_TEST_POSTGRES_URL", "").strip())
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


def password_of(username: str) -> str:
    """The test clinic's password of a user (long enough for the password rules)."""
    return f"pw-{username}-1-long"


def wipe_postgres(url: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        meta = MetaData()
        meta.reflect(connection)
        meta.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@contextmanager
def sql_session(db: Database) -> Iterator[Session]:
    """A SQLAlchemy Session in one committed transaction, to check (or arrange) rows."""
    with db.transaction() as tx:
        yield sql(tx)


def sql_engine(db: Database) -> Engine:
    """The SQLAlchemy Engine behind a Database (bulk seeding in the benchmarks)."""
    return engine_of(db)


def full_url(db: Database) -> str:
    """The database URL with its password (to hand to another process)."""
    return engine_of(db).url.render_as_string(hide_password=False)


class Clinic:
    """A small clinic: an admin, two therapists, three patients (two with therapist A)."""

    def __init__(self, db: Database) -> None:
        with db.transaction() as tx:
            self.admin = Actor(
                create_user(tx, None, "admin", "Admin", Role.ADMIN, password_of("admin")),
                Role.ADMIN,
            )
            self.ther_a = self._user(tx, "ther_a", "Therapist A", Role.THERAPIST)
            self.ther_b = self._user(tx, "ther_b", "Therapist B", Role.THERAPIST)
            self.pat_users = [
                self._user(tx, f"pat{n}", f"Patient {n}", Role.PATIENT) for n in range(3)
            ]
            therapists = [self.ther_a, self.ther_a, self.ther_b]
            self.patients = [
                create_patient(tx, self.admin, u.user_id, t.user_id, "knee OA", Side.LEFT)
                for u, t in zip(self.pat_users, therapists, strict=True)
            ]
            self.programs = [
                prescribe(
                    tx,
                    therapists[n],
                    pid,
                    "Knee program",
                    [
                        ExercisePlan(
                            "knee_extension", sets=3, reps=10, target_rom_deg=80.0, side=Side.LEFT
                        ),
                        ExercisePlan("wall_sit", sets=2, hold_s=20.0),
                    ],
                    sessions_per_week=3,
                    start_date=T0.date() - dt.timedelta(days=28),
                )
                for n, pid in enumerate(self.patients)
            ]

    def _user(self, tx: Transaction, username: str, name: str, role: Role) -> Actor:
        return Actor(create_user(tx, self.admin, username, name, role, password_of(username)), role)


def make_rep(
    index: int,
    rom_deg: float = 80.0,
    side: Side = Side.LEFT,
    complete: bool = True,
    issues: tuple[FormIssue, ...] = (),
    exercise_id: str = "knee_extension",
) -> RepResult:
    start = 3000.0 * index
    return RepResult(
        exercise_id=exercise_id,
        side=side,
        index=index if complete else 0,
        start_ms=start,
        peak_ms=start + 1200.5,
        end_ms=start + 2600.25,
        peak_angle_deg=170.0 - (80.0 - rom_deg),
        min_angle_deg=90.0,
        max_angle_deg=90.0 + rom_deg,
        rom_deg=rom_deg,
        concentric_s=1.2005,
        eccentric_s=1.39975,
        hold_s=0.25,
        complete=complete,
        confidence=0.875,
        form_issues=issues,
    )


def cue(t_ms: float = 100.0, severity: Severity = Severity.WARNING) -> FormIssue:
    return FormIssue("trunk_lean", "Keep your back straight", severity, t_ms)


def raw(tx: Transaction) -> Session:
    """The SQLAlchemy Session inside a transaction, to check rows next to API calls."""
    return sql(tx)
