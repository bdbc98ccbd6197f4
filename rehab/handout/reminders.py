"""Reminders without email: an .ics calendar file with the program's exercise days.

One weekly event per distinct "days a week" of the program (usually one), on weekdays spread
over the week (3 days: Monday, Wednesday, Friday), at the patient's chosen time, from the
program's start to its end, with an alarm before it. Its UID is stable per program, so
importing a newer file updates the reminders instead of doubling them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

from rehab.errors import InputError
from rehab.handout import words
from rehab.handout.model import Handout, HandoutItem
from rehab.i18n import N_, translator

# Weekdays (Monday = 0) for n days a week, spread out with rest days between.
WEEKDAYS: dict[int, tuple[int, ...]] = {
    1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5), 7: (0, 1, 2, 3, 4, 5, 6),
}  # fmt: skip
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EVENT_MIN = 30
ALARM_MIN_BEFORE = 10
SUMMARY = N_("Exercises: {title}")
OPEN = N_("Open your exercises: {url}")


def exercise_days(days_per_week: int) -> tuple[int, ...]:
    """The weekdays (Monday = 0) of a program done `days_per_week` days a week."""
    if days_per_week not in WEEKDAYS:
        raise InputError(f"days a week must be 1-7, got {days_per_week}")
    return WEEKDAYS[days_per_week]


def first_day(start: dt.date, weekdays: Sequence[int]) -> dt.date:
    """The first date on or after `start` that falls on one of `weekdays`."""
    return next(
        start + dt.timedelta(days=k) for k in range(7) if (start.weekday() + k) % 7 in weekdays
    )


def build_ics(
    handout: Handout, at: dt.time, timezone: str, uid_stem: str, now: dt.datetime | None = None
) -> bytes:
    """The calendar file for `handout`'s program: reminders at `at` (local time in
    `timezone`, an IANA name such as 'Europe/Madrid')."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone '{timezone}'") from exc
    t = translator(handout.language)
    calendar = Calendar()
    calendar.add("prodid", "-//rehab tracker//home exercise reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", t.gettext(words.TITLE))
    stamp = now or dt.datetime.now(dt.UTC)
    groups: dict[int, list[HandoutItem]] = {}
    for item in handout.items:
        groups.setdefault(item.days_per_week, []).append(item)
    for days_per_week, items in sorted(groups.items()):
        calendar.add_component(
            _event(handout, items, days_per_week, at, zone, f"{uid_stem}-{days_per_week}", stamp)
        )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(
    handout: Handout, items: list[HandoutItem], days_per_week: int, at: dt.time,
    zone: ZoneInfo, uid: str, stamp: dt.datetime,
) -> Event:  # fmt: skip
    t = translator(handout.language)
    weekdays = exercise_days(days_per_week)
    start = dt.datetime.combine(first_day(handout.start_date, weekdays), at, tzinfo=zone)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", t.gettext(SUMMARY).format(title=handout.title))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=EVENT_MIN))
    rule: dict[str, object] = {"freq": "weekly", "byday": [BYDAY[d] for d in weekdays]}
    if handout.end_date is not None:
        last = dt.datetime.combine(handout.end_date, dt.time(23, 59, 59), tzinfo=zone)
        rule["until"] = last.astimezone(dt.UTC)
    event.add("rrule", rule)
    lines = [f"{item.name}: {words.dose(item.sets, item.reps, item.hold_s, t)}" for item in items]
    lines.append(t.gettext(OPEN).format(url=handout.patient_url))
    event.add("description", "\n".join(lines))
    event.add("url", handout.patient_url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event["summary"])
    alarm.add("trigger", dt.timedelta(minutes=-ALARM_MIN_BEFORE))
    event.add_component(alarm)
    return event
