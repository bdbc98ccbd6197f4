"""Where the data lives and how to connect: engines, sessions, migrations on start.

- `REHAB_DATABASE_URL`: any SQLAlchemy URL (e.g. `postgresql+psycopg://user:pw@host/db`).
- otherwise SQLite at `$REHAB_HOME/rehab.db`; `REHAB_HOME` defaults to the per-user data
  folder (platformdirs, e.g. `~/.local/share/rehab` on Linux).

SQLite is opened in WAL mode (readers never block the writer), with foreign keys ON, a 30 s
busy timeout and `synchronous=FULL` (a committed rep survives a power cut). Transactions that
write begin with `BEGIN IMMEDIATE`, so two processes queue for the write lock instead of
failing with "database is locked" when a read transaction tries to become a write.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rehab.errors import StoreError
from rehab.store.files import describe_safely, parse_database_url

log = logging.getLogger(__name__)

ENV_HOME = "REHAB_HOME"
ENV_URL = "REHAB_DATABASE_URL"
DB_FILENAME = "rehab.db"
BUSY_TIMEOUT_MS = 30_000
REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO_ROOT / "migrations"
_BEGIN_OPTION = "rehab_sqlite_begin"

T = TypeVar("T")


def data_dir() -> Path:
    """The data folder: `$REHAB_HOME`, or the per-user data dir (created when missing)."""
    home = os.environ.get(ENV_HOME)
    folder = Path(home).expanduser() if home else Path(platformdirs.user_data_dir("rehab", False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url() -> str:
    """`$REHAB_DATABASE_URL`, or the SQLite file in the data folder."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / DB_FILENAME}"


def describe_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    return describe_safely(url)


def create_db_engine(url: str | URL | None = None, *, for_migration: bool = False) -> Engine:
    """An Engine for `url` (default: `database_url()`), SQLite pragmas and begin mode set.

    `for_migration=True` turns SQLite foreign keys OFF (table copies during batch migrations
    must not cascade or fail half-way); the app's engines always have them ON.
    """
    target = parse_database_url(url if url is not None else database_url())
    if target.get_backend_name() == "sqlite":
        return _sqlite_engine(target, foreign_keys=not for_migration)
    try:
        return create_engine(target, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"{describe_url(target)}: the database driver is not installed ({exc.name}); "
            "for PostgreSQL: pip install 'psycopg[binary]'"
        ) from exc


def _sqlite_engine(url: URL, *, foreign_keys: bool) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"{describe_url(url)}: folder {folder} does not exist")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA cache_size = -32000")  # 32 MB of pages per connection
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take SQLite's write lock at BEGIN (queueing on
    the busy timeout) instead of failing when a reader later tries to write."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose transactions may write (queries write audit entries)."""
    return sessionmaker(bind=writer(engine), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A Session in one transaction: committed on success, rolled back on an error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked/busy" and PostgreSQL's serialization failures."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text


def run_transaction(
    engine: Engine, work: Callable[[Session], T], *, attempts: int = 8, what: str = "write"
) -> T:
    """Run `work(session)` in its own committed transaction, retrying when the database is
    busy (after the 30 s busy timeout): the user never sees "database is locked"."""
    make_session = session_factory(engine)
    for attempt in range(1, attempts + 1):
        try:
            with make_session() as session, session.begin():
                return work(session)
        except OperationalError as exc:
            if not is_busy_error(exc) or attempt == attempts:
                if is_busy_error(exc):
                    raise StoreError(
                        f"the database stayed busy; the {what} was not saved — try again"
                    ) from exc
                raise
            pause = min(2.0, 0.05 * 2**attempt) * (0.5 + random.random())
            log.warning("database busy during %s (attempt %d), retrying", what, attempt)
            time.sleep(pause)
    raise AssertionError("unreachable")


def alembic_config(url: str | URL | None = None) -> Any:
    """An Alembic Config for `migrations/` and `url` (no alembic.ini needed)."""
    from alembic.config import Config

    if not MIGRATIONS_DIR.is_dir():
        raise StoreError(f"migrations folder {MIGRATIONS_DIR} is missing")
    config = Config(stdout=sys.stdout)  # today's stdout (Config's default is import time's)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    target = parse_database_url(url if url is not None else database_url())
    # ConfigParser reads % as interpolation: a password holding % must be doubled
    rendered = target.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", rendered)
    return config


def upgrade_database(url: str | URL | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade_database(url: str | URL | None, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("users")


def open_database(url: str | URL | None = None, *, upgrade: bool = True) -> Engine:
    """What the app does on start: upgrade the schema, mark stale live sessions interrupted,
    and return the Engine."""
    from rehab.store.recorder import close_stale_sessions

    target = url if url is not None else database_url()
    if upgrade:
        try:
            upgrade_database(target)
        except OperationalError as exc:
            raise StoreError(f"{describe_url(target)}: cannot migrate ({exc.orig})") from exc
    engine = create_db_engine(target)
    closed = close_stale_sessions(engine)
    if closed:
        log.info("marked %d stale live session(s) interrupted", closed)
    return engine
