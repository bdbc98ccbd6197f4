"""Where the data lives and how to reach it: the `Database` handle and its transactions.

- `REHAB_DATABASE_URL`: any SQLAlchemy URL (e.g. `postgresql+psycopg://user:pw@host/db`).
- otherwise SQLite at `$REHAB_HOME/rehab.db`; `REHAB_HOME` defaults to the per-user data
  folder (platformdirs, e.g. `~/.local/share/rehab` on Linux).

Callers outside the store hold a `Database` and open units of work on it:

    with db.transaction() as tx:   # may write (queries add audit entries); commits at the end
        ...
    with db.read() as tx:          # a read-only snapshot; audit entries are written after it

A `Transaction` is opaque to them: they pass it to the store's functions, which reach the
SQLAlchemy `Session` inside with `sql(tx)`.

SQLite is opened in WAL mode (readers never block the writer), with foreign keys ON, a 30 s
busy timeout and `synchronous=FULL` (a committed rep survives a power cut). Transactions that
may write begin with `BEGIN IMMEDIATE`, so two processes queue for the write lock instead of
failing with "database is locked" when a read transaction tries to become a write; read-only
transactions begin DEFERRED and take no lock. On PostgreSQL a read-only transaction is
`READ ONLY` at `REPEATABLE READ` (one snapshot for all its queries).
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar, final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rehab.errors import StoreError
from rehab.paths import data_dir
from rehab.store.files import describe_safely, parse_database_url

log = logging.getLogger(__name__)

ENV_URL = "REHAB_DATABASE_URL"
DB_FILENAME = "rehab.db"
BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "rehab_sqlite_begin"
AUDIT_LATER: Final = "rehab_audit_later"  # Session.info key: audit entries of a read
# Session.info key: audit entries of refused accesses, committed in their own transaction
# after the unit of work ends (the refusal usually rolls the work back)
AUDIT_ALWAYS: Final = "rehab_audit_always"

T = TypeVar("T")


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
    """A SQLAlchemy Engine for `url` (default: `database_url()`), SQLite pragmas and begin
    mode set.

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


def reader(engine: Engine) -> Engine:
    """The same engine for read-only transactions: SQLite begins DEFERRED (no lock; a WAL
    snapshot from the first read), PostgreSQL READ ONLY at REPEATABLE READ."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return engine


@final
class Transaction:
    """One unit of work on the store, from `Database.transaction()` or `Database.read()`.

    Pass it to the store's functions (`queries.list_patients(tx, actor)`); it offers nothing
    else to callers. `read_only` says which kind it is.
    """

    __slots__ = ("_session", "read_only")

    def __init__(self, session: Session, *, read_only: bool) -> None:
        self._session = session
        self.read_only = read_only


def sql(tx: Transaction) -> Session:
    """The SQLAlchemy Session inside a transaction: for the store's own modules only."""
    return tx._session


@final
class Database:
    """The store's handle on one database: what the app, the pages and the CLI hold.

    Thread-safe (one per process and URL is enough: the dashboard caches it). Made by
    `open_database()` (migrates and closes stale sessions first) or `connect()`.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writing = sessionmaker(bind=writer(engine), expire_on_commit=False)
        self._reading = sessionmaker(bind=reader(engine), expire_on_commit=False)
        event.listen(self._reading, "before_flush", _refuse_writes)

    @property
    def url(self) -> str:
        """The database URL, password hidden (for messages)."""
        return describe_url(self._engine.url)

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql"."""
        return str(self._engine.dialect.name)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work that may write: committed on success, rolled back on an error
        (a database failure comes out as StoreError)."""
        always: list[object] = []
        try:
            with self._writing() as session, session.begin():
                session.info[AUDIT_ALWAYS] = always
                yield Transaction(session, read_only=False)
        except SQLAlchemyError as exc:
            raise store_error(exc, "a transaction") from exc
        finally:
            _write_refusals(self, always)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only snapshot: holds no write lock while it reads (a year of a patient's
        reps for a report). The audit entries its queries make are committed in a short
        write transaction when it ends, before the caller goes on. It refuses to write
        (StoreError)."""
        later: list[object] = []
        always: list[object] = []
        try:
            with self._reading() as session:
                session.info[AUDIT_LATER] = later
                session.info[AUDIT_ALWAYS] = always
                with session.begin():
                    yield Transaction(session, read_only=True)
        except SQLAlchemyError as exc:
            raise store_error(exc, "a read") from exc
        finally:  # what was read is audited, even when the caller failed afterwards
            if later:
                run_transaction(self, lambda s: s.add_all(later), what="audit entries")
            _write_refusals(self, always)

    def dispose(self) -> None:
        """Close the pooled connections (the handle can still be used: it reconnects)."""
        self._engine.dispose()


def engine_of(db: Database) -> Engine:
    """The SQLAlchemy Engine behind a Database: for the store's own modules and migrations."""
    return db._engine


def connect(url: str | URL | None = None) -> Database:
    """A Database on `url` (default: `database_url()`), as it is: no migration, no clean-up
    (`open_database()` is what the app uses)."""
    return Database(create_db_engine(url))


def _write_refusals(db: Database, entries: list[object]) -> None:
    """Commit the audit entries of refused accesses on their own (the refused work is
    usually rolled back; the record that it was refused must not be). A failure to write
    them is logged, never raised over the caller's own outcome."""
    if not entries:
        return
    try:
        run_transaction(db, lambda s: s.add_all(entries), what="audit entries of refusals")
    except StoreError:
        log.exception("could not write %d audit entries of refused accesses", len(entries))


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise StoreError("a read-only transaction cannot write: use Database.transaction()")


def store_error(exc: SQLAlchemyError, what: str) -> StoreError:
    """A database failure as the store's own error (callers never see SQLAlchemy's)."""
    detail = getattr(exc, "orig", None) or exc
    return StoreError(f"the database failed during {what}: {str(detail).strip()}")


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked/busy" and PostgreSQL's serialization failures."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text


def run_transaction(
    db: Database, work: Callable[[Session], T], *, attempts: int = 8, what: str = "write"
) -> T:
    """Run `work(session)` in its own committed transaction, retrying when the database is
    busy (after the 30 s busy timeout): the user never sees "database is locked".
    Other database failures come out as StoreError."""
    for attempt in range(1, attempts + 1):
        always: list[object] = []
        try:
            with db._writing() as session, session.begin():
                session.info[AUDIT_ALWAYS] = always
                return work(session)
        except OperationalError as exc:
            if not is_busy_error(exc) or attempt == attempts:
                if is_busy_error(exc):
                    raise StoreError(
                        f"the database stayed busy; the {what} was not saved — try again"
                    ) from exc
                raise store_error(exc, what) from exc
            pause = min(2.0, 0.05 * 2**attempt) * (0.5 + random.random())
            log.warning("database busy during %s (attempt %d), retrying", what, attempt)
            time.sleep(pause)
        except SQLAlchemyError as exc:
            raise store_error(exc, what) from exc
        finally:
            if always and what != "audit entries of refusals":
                _write_refusals(db, always)
    raise AssertionError("unreachable")
