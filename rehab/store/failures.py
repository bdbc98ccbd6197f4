"""Database failures in words a user can act on: one line, the password never shown.

SQLAlchemy's messages span lines (the SQL, a link to its docs) and a driver's message may
repeat the URL it was given; `explain_database_error` keeps the first line of the driver's
own reason, hides every password it knows of, and names the database (password hidden).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rehab.store.files import describe_safely

# user:password@ in any URL-like text, whatever the scheme
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)(?P<secret>[^@\s]*)@")
_DRIVER_ERRORS = ("sqlite3.", "psycopg", "psycopg2", "pg8000", "pymysql", "MySQLdb")


def is_database_error(exc: BaseException) -> bool:
    """True for errors raised by SQLAlchemy, Alembic or a database driver."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError | CommandError):
        return True
    module = type(exc).__module__ or ""
    return module.startswith(_DRIVER_ERRORS)


def explain_database_error(exc: BaseException, urls: Iterable[str | None] = ()) -> str:
    """One line: which database (password hidden) and what went wrong."""
    from sqlalchemy.exc import DBAPIError

    known = [u for u in urls if u] or _configured_url()
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = _first_line(str(cause)) or type(cause).__name__
    reason = hide_passwords(reason, known)
    where = describe_safely(known[0]) if known else "(not configured)"
    return f"database {where}: {reason}{_hint(reason)}"


def hide_passwords(text: str, urls: Iterable[str]) -> str:
    """`text` with every password of `urls`, and any `user:password@` in it, replaced."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    for url in urls:
        try:
            secret = make_url(url).password
        except ArgumentError:
            secret = None
        if secret:
            text = text.replace(str(secret), "***")
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", text)


def _configured_url() -> list[str]:
    from rehab.store.database import database_url

    try:
        return [database_url()]
    except OSError:  # the data folder cannot be made: nothing more to say about the URL
        return []


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("(Background on this error"):
            return line
    return ""


def _hint(reason: str) -> str:
    lowered = reason.lower()
    if "file is not a database" in lowered:
        return " (is this the right file? `--url` / REHAB_DATABASE_URL name the database)"
    if "connection refused" in lowered or "could not translate host name" in lowered:
        return " (is the database server running, and the host and port right?)"
    if "password authentication failed" in lowered:
        return " (check the user name and password in the URL)"
    if "can't locate revision" in lowered:
        return " (the database was made by a newer rehab: upgrade rehab)"
    return ""
