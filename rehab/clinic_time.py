"""The clinic's local time: what "today", a day and a week mean (pure, no I/O).

Timestamps are stored and passed around as aware UTC datetimes; a page, a report or a
query turns them into the clinic's local days with these functions and the clinic's time
zone (`rehab.store.clinic_settings`, an IANA name such as "Europe/Madrid"). Weeks start on
Monday. Around a daylight-saving change a local day is 23 or 25 hours long: `day_start`
gives the right UTC instant either way.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rehab.errors import RehabError

UTC_NAME = "UTC"


class TimeZoneError(RehabError):
    """A time zone name the system's tz database does not know."""


@lru_cache(maxsize=64)
def zone_named(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; TimeZoneError (with close names) when unknown."""
    cleaned = name.strip()
    try:
        if not cleaned or cleaned.startswith(("/", ".")):
            raise ValueError(cleaned)
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        hint = _close_names(cleaned)
        raise TimeZoneError(
            f"unknown time zone '{name}'{hint} (use an IANA name such as Europe/Madrid)"
        ) from exc


def _close_names(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(available_timezones()), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def local(stamp: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """An aware timestamp in the clinic's local time (a naive one is taken as UTC)."""
    aware = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone)


def local_day(stamp: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The clinic's calendar day of a timestamp."""
    return local(stamp, zone).date()


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant a local day begins (local midnight)."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def today(zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    """The clinic's date now (or at `now`)."""
    return local_day(now or dt.datetime.now(dt.UTC), zone)


def monday(day: dt.date) -> dt.date:
    """The Monday of a day's week."""
    return day - dt.timedelta(days=day.weekday())


def days_window(first: dt.date, last: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) in UTC covering the local days `first`..`last` (both included)."""
    return day_start(first, zone), day_start(last + dt.timedelta(days=1), zone)
