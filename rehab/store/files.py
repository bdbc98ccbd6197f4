"""The files of a local SQLite database, so that no command ever writes over them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rehab.errors import StoreError
from rehab.store.engine import database_url, describe_url

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def database_files(url: str | None = None) -> tuple[Path, ...]:
    """The SQLite file of `url` (default: the configured database) and its -wal, -shm and
    -journal files; nothing for a database server or an in-memory database."""
    raw = url if url is not None else database_url()
    try:
        target = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"{describe_safely(raw)}: not a database URL ({exc})") from exc
    if target.get_backend_name() != "sqlite":
        return ()
    name = target.database or ""
    if not name or name == ":memory:":
        return ()
    if name.startswith("file:"):  # a SQLite URI: file:path?options
        name = name.removeprefix("file:").split("?", 1)[0]
    path = Path(name).expanduser()
    return (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS))


def describe_safely(url: str) -> str:
    """`url` for a message, its password hidden even when the URL does not parse."""
    try:
        return describe_url(url)
    except ArgumentError:
        scheme, sep, rest = url.partition("://")
        if not sep:
            return "(a URL that does not parse)"
        host = rest.rpartition("@")[2]
        return f"{scheme}://***@{host}" if "@" in rest else f"{scheme}://{host}"
