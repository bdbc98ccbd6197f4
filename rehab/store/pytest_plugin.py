"""Pytest fixtures for the store tests: `pytest_plugins = ["rehab.store.pytest_plugin"]`.

`db_url` is parametrised: a temporary SQLite file always, and PostgreSQL when
REHAB_TEST_POSTGRES_URL is set (`.ci/postgres-setup.sh` starts one and sets it); each
PostgreSQL test starts from an empty database (every table dropped first). `db` is the
store's `Database` at the newest schema (SQLite: a copy of one migrated template file per
test run).
Password hashing uses argon2 with cheap parameters in tests (still real argon2 hashes).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from rehab.store import access
from rehab.store.database import Database, connect, create_db_engine
from rehab.store.migrate import upgrade_database
from rehab.store.testing import BACKENDS, POSTGRES_URL, Clinic, wipe_postgres


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        access, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a temp SQLite file, or the test PostgreSQL wiped clean."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rehab.db'}"
    wipe_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "rehab.db"
    upgrade_database(f"sqlite:///{path}")
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def db(db_url: str, migrated_sqlite_template: Path) -> Iterator[Database]:
    """The store's handle on a database at the newest schema."""
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite_template, db_url.removeprefix("sqlite:///"))
    else:
        upgrade_database(db_url)
    database = connect(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)
