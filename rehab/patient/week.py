"""The patient's week in numbers: sessions done and still to do, and the streak of weeks
with every session done. Pure functions over the sessions' dates (weeks start on Monday,
as in the store's adherence figures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from rehab.store.queries import DoneSession, PatientProgram

STREAK_WEEKS_BACK = 26  # how far back a streak is looked for (sessions read since then)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def history_start(today: dt.date) -> dt.date:
    """The first day whose sessions the week and the streak need."""
    return monday(today) - dt.timedelta(weeks=STREAK_WEEKS_BACK)


@dataclass(frozen=True)
class Week:
    done: int  # sessions done this week (completed or interrupted, any source)
    self_reported: int  # of them, logged by the patient without the camera
    target: int  # sessions a week in the program (0: no program)
    streak_weeks: int  # weeks in a row, up to this one, with every prescribed session done
    started: bool = True  # any session done at all (False: a new patient's first week)

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)


def _target_in_week(program: PatientProgram, start: dt.date) -> int:
    """Sessions the program asks for in the week starting `start` (prorated by the days it
    runs that week, at least one when it runs at all)."""
    days = [start + dt.timedelta(days=n) for n in range(7)]
    active = sum(
        program.start_date <= d and (program.end_date is None or d <= program.end_date)
        for d in days
    )
    if not active:
        return 0
    return max(1, round(program.sessions_per_week * active / 7))


def this_week(
    program: PatientProgram | None,
    sessions: Sequence[DoneSession],
    today: dt.date,
    first_done: dt.date | None,
) -> Week:
    """Done and still to do this week, and the streak of full weeks. `first_done`: the day
    of the patient's first session ever (the sessions given may start later)."""
    start = monday(today)
    current = [s for s in sessions if start <= s.started_at.date() <= today]
    target = program.sessions_per_week if program is not None else 0
    return Week(
        done=len(current),
        self_reported=sum(s.self_reported for s in current),
        target=target,
        streak_weeks=streak(program, sessions, today),
        started=first_done is not None and first_done <= today,
    )


def streak(program: PatientProgram | None, sessions: Sequence[DoneSession], today: dt.date) -> int:
    """Weeks in a row with every prescribed session done: the weeks before this one back to
    the first that fell short (or the program's first week), plus this week once it is full."""
    if program is None:
        return 0
    per_week: dict[dt.date, int] = {}
    for s in sessions:
        week = monday(s.started_at.date())
        per_week[week] = per_week.get(week, 0) + 1
    current = monday(today)
    count = int(per_week.get(current, 0) >= _target_in_week(program, current) > 0)
    week = current - dt.timedelta(weeks=1)
    while week >= monday(program.start_date):
        target = _target_in_week(program, week)
        if target == 0 or per_week.get(week, 0) < target:
            break
        count += 1
        week -= dt.timedelta(weeks=1)
    return count
