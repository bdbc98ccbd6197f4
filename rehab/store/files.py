"""Database URLs read safely, and the files of a local SQLite database (so that no command
ever writes over them)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from rehab.errors import StoreError

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
URL_EXAMPLES = "e.g. sqlite:////path/rehab.db or postgresql+psycopg://user:password@host/db"


def parse_database_url(url: str | URL) -> URL:
    """`url` parsed; StoreError (password hidden) when it is not a database URL."""
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:  # a bad port is a ValueError
        raise StoreError(f"{describe_safely(url)}: not a database URL ({URL_EXAMPLES})") from exc


def describe_safely(url: str | URL) -> str:
    """`url` for a message or a log, its password hidden, even when it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        text = str(url)
        scheme, sep, rest = text.partition("://")
        if not sep:
            return "(a URL that does not parse)"
        host = rest.rpartition("@")[2]
        return f"{scheme}://***@{host}" if "@" in rest else f"{scheme}://{host}"


def database_files(url: str | None = None) -> tuple[Path, ...]:
    """The SQLite file of `url` (default: the configured database) and its -wal, -shm and
    -journal files; nothing for a database server or an in-memory database."""
    from rehab.store.database import database_url

    target = parse_database_url(url if url is not None else database_url())
    if target.get_backend_name() != "sqlite":
        return ()
    name = target.database or ""
    if not name or name == ":memory:":
        return ()
    if name.startswith("file:"):  # a SQLite URI: file:path?options
        name = name.removeprefix("file:").split("?", 1)[0]
    path = Path(name).expanduser()
    return (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS))
