"""What the app does when it starts: migrate, connect, close the sessions left behind."""

from __future__ import annotations

import logging

from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from rehab.errors import StoreError
from rehab.store.database import Database, connect, database_url, describe_url
from rehab.store.liveness import close_stale_sessions
from rehab.store.migrate import upgrade_database

log = logging.getLogger(__name__)


def open_database(url: str | URL | None = None, *, upgrade: bool = True) -> Database:
    """The app's Database: the schema upgraded to the newest revision, and the live
    sessions that nothing writes any more marked interrupted (`close_stale_sessions`)."""
    target = url if url is not None else database_url()
    if upgrade:
        try:
            upgrade_database(target)
        except OperationalError as exc:
            raise StoreError(f"{describe_url(target)}: cannot migrate ({exc.orig})") from exc
    db = connect(target)
    closed = close_stale_sessions(db)
    if closed:
        log.info("marked %d stale live session(s) interrupted", closed)
    return db
