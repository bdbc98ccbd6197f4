"""Numbers and times as a clinician reads them (pure functions, no Streamlit). Percentages
and the dash for an unknown figure are `rehab.display`'s, shared with the reports."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from rehab.clinic_time import local, local_day
from rehab.core.results import Side
from rehab.display import DASH as DASH
from rehab.display import pct as pct
from rehab.domain import condition_line, condition_text
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


def ago(stamp: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', or 'never' (clinic days)."""
    if stamp is None:
        return "never"
    days = (local_day(now, zone) - local_day(stamp, zone)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 21:
        return f"{days} days ago"
    return f"{days // 7} weeks ago"


def day(stamp: dt.datetime | dt.date, zone: dt.tzinfo = dt.UTC) -> str:
    """'Mon 2 Mar 2026' (a timestamp's day in the clinic's time zone)."""
    value = local(stamp, zone) if isinstance(stamp, dt.datetime) else stamp
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(stamp: dt.datetime, zone: dt.tzinfo = dt.UTC) -> str:
    """'Mon 2 Mar 2026 10:00 CET': the clinic's local time, its zone's abbreviation."""
    value = local(stamp, zone)
    return f"{day(value.date())} {value:%H:%M} {value.tzname()}"


def alert_text(alert: Alert, name_of: Callable[[str], str] = str) -> str:
    """'CRITICAL: Seated knee extension (left): ROM down 25% in a week (80° → 60°)'."""
    return f"{SEVERITY_LABEL[alert.severity]}: {alert.describe(name_of)}"


def condition(text: str, side: Side) -> str:
    """The condition with the affected side, said once (rehab.domain.condition_text)."""
    return condition_text(text, side.value)


def condition_and_side(text: str, side: Side) -> str:
    """A page header's condition and affected side, the side said once."""
    return condition_line(text, side.value)


def check_in_text(before: int | None, after: int | None, effort: int | None, asked: bool) -> str:
    """A check-in as a therapist reads it: 'pain 3 → 4 /10 · effort 5', 'skipped' (asked,
    nothing given), '—' (not asked); a value not given is '–', never 0."""
    if not asked:
        return DASH
    if before is None and after is None and effort is None:
        return "skipped"
    shown = [f"pain {_score(before)} → {_score(after)} /10"]
    if effort is not None:
        shown.append(f"effort {effort}")
    return " · ".join(shown)


def _score(value: int | None) -> str:
    return "–" if value is None else str(value)


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


def pose_model(name: str | None) -> str:
    """The pose model a ROM was measured with, short ("blazepose-heavy"; "" when not
    recorded): angles from different models are not directly comparable."""
    return (name or "").split(" (", 1)[0]
