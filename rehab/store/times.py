"""Time in the store: aware UTC datetimes only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(stamp: dt.datetime | str) -> dt.datetime:
    """A value read back from an aggregate (max() of a timestamp comes back as text on
    SQLite, naive on PostgreSQL) as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
