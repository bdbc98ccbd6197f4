"""Numbers and times as a clinician reads them (pure functions, no Streamlit). Percentages
and the dash for an unknown figure are `rehab.display`'s, shared with the reports."""

from __future__ import annotations

import datetime as dt
import math

from rehab.display import DASH as DASH
from rehab.display import pct as pct
from rehab.exercise_library import ExerciseLibrary
from rehab.store import Alert, AlertSeverity

SEVERITY_LABEL = {
    AlertSeverity.CRITICAL: "CRITICAL",
    AlertSeverity.HIGH: "High",
    AlertSeverity.LOW: "Low",
}


def is_number(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def deg(value: float | None, signed: bool = False) -> str:
    if value is None or not is_number(value):
        return DASH
    return f"{value:+.0f}°" if signed else f"{value:.0f}°"


def ago(stamp: dt.datetime | None, now: dt.datetime) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', or 'never'."""
    if stamp is None:
        return "never"
    days = (now.date() - stamp.astimezone(dt.UTC).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 21:
        return f"{days} days ago"
    return f"{days // 7} weeks ago"


def day(stamp: dt.datetime | dt.date) -> str:
    """'Mon 2 Mar 2026' (dates are UTC)."""
    value = stamp.astimezone(dt.UTC) if isinstance(stamp, dt.datetime) else stamp
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(stamp: dt.datetime) -> str:
    """'Mon 2 Mar 2026 09:00 UTC'."""
    value = stamp.astimezone(dt.UTC)
    return f"{day(value)} {value:%H:%M} UTC"


def alert_text(alert: Alert) -> str:
    return f"{SEVERITY_LABEL[alert.severity]}: {alert.message}"


def exercise_name(library: ExerciseLibrary, exercise_id: str) -> str:
    """The library's name for an id (the id itself when the library lacks it)."""
    found = library.exercises.get(exercise_id)
    return found.name if found is not None else exercise_id


def pain(value: int | None) -> str:
    return DASH if value is None else f"{value}/10"


def sessions_this_week(done: int, per_week: int | None) -> str:
    return f"{done} of {per_week}" if per_week else f"{done} (no program)"


def duration(seconds: float | None) -> str:
    """'45 s', '12 min', '1 h 05 min'; '—' when unknown."""
    if seconds is None:
        return DASH
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
