"""Adherence: prescribed sessions done against prescribed, week by week (pure rules).

- A session counts for adherence when it was done (completed or interrupted), it has a set
  of an exercise of the program active that day (or a set linked to a program item: an
  uploaded video of another exercise does not count), and it is not a replay of a stored
  one. Every session is still shown, by source (home live, on-device, upload in clinic,
  manual log).
- Due in a week: the program's sessions a week, prorated over the days of that week the
  program was active (within the period asked for, and not after today): 3 a week over a
  program's first 2 days is 6/7 of a session. Shown rounded to whole sessions.
- Credited in a week: the sessions that count, up to what was due (extra sessions one week
  do not make up for another). Adherence = credited / due over the weeks: never above 100%
  (a program started today with one session done: 100%, not 233%).

Days and weeks are the clinic's local ones (weeks start on Monday).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rehab.clinic_time import monday
from rehab.domain import SessionSource, SessionStatus
from rehab.store.queries.programs import Program

DONE_STATUSES = (SessionStatus.COMPLETED.value, SessionStatus.INTERRUPTED.value)
NOT_A_SESSION_DONE = (SessionSource.REPLAY.value,)  # a stored session analysed again


@dataclass(frozen=True)
class SessionFact:
    """What adherence needs to know of one session."""

    day: dt.date  # the clinic's local day it started
    source: str
    status: str
    linked: bool  # has a set linked to a program item
    exercises: frozenset[str] = frozenset()  # the exercises of its sets
    started_at: dt.datetime | None = None  # UTC (for rolling windows such as "last 7 days")

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    def counts(self, programs: Iterable[Program]) -> bool:
        """A prescribed session done: what adherence counts."""
        if not self.done or self.source in NOT_A_SESSION_DONE:
            return False
        if self.linked:
            return True
        wanted = {i.exercise_id for p in programs if p.active_on(self.day) for i in p.items}
        return not wanted.isdisjoint(self.exercises)


@dataclass(frozen=True)
class WeekAdherence:
    """One week (Monday, clinic time): sessions done (all and by source), due, credited."""

    week_start: dt.date  # a Monday
    sessions_done: int  # every session done, whatever its source or exercises
    sessions_interrupted: int
    sessions_prescribed: int  # due this week, rounded to whole sessions (what is shown)
    prescribed_done: int = 0  # sessions done that count (program exercises)
    by_source: tuple[tuple[str, int], ...] = ()  # sessions done, per source
    due: float = 0.0  # due this week, exactly (prorated over the days the program was active)

    @property
    def sessions_self_reported(self) -> int:
        """Of the sessions done: logged by the patient by hand (their own account)."""
        return sum(n for source, n in self.by_source if SessionSource(source).self_reported)

    @property
    def credited(self) -> float:
        """Counted sessions, capped at what was due: what the adherence ratio adds up."""
        return min(float(self.prescribed_done), self.due)

    @property
    def ratio(self) -> float | None:
        return self.credited / self.due if self.due else None


def due(programs: Iterable[Program], first: dt.date, last: dt.date) -> float:
    """Sessions due from `first` to `last` (included): each program's sessions a week,
    prorated by the days it was active among them."""
    total = 0
    for p in programs:
        start = max(first, p.start_date)
        end = last if p.end_date is None else min(last, p.end_date)
        if end >= start:
            total += p.sessions_per_week * ((end - start).days + 1)
    return total / 7


def whole(sessions: float) -> int:
    """Sessions due, rounded half up, as a person counts them."""
    return math.floor(sessions + 0.5)


def weeks(
    programs: Sequence[Program], facts: Iterable[SessionFact], first: dt.date, last: dt.date
) -> list[WeekAdherence]:
    """Every week that touches [first, last] (local days), oldest first."""
    if last < first:
        return []
    by_week: dict[dt.date, list[SessionFact]] = defaultdict(list)
    for fact in facts:
        if first <= fact.day <= last:
            by_week[monday(fact.day)].append(fact)
    out = []
    week = monday(first)
    while week <= last:
        inside = (max(first, week), min(last, week + dt.timedelta(days=6)))
        facts_of_week = by_week.get(week, [])
        counted = sum(f.counts(programs) for f in facts_of_week)
        out.append(_week(week, due(programs, *inside), facts_of_week, counted))
        week += dt.timedelta(days=7)
    return out


def _week(week: dt.date, wanted: float, facts: list[SessionFact], counted: int) -> WeekAdherence:
    done = [f for f in facts if f.done]
    sources = Counter(f.source for f in done)
    return WeekAdherence(
        week_start=week,
        sessions_done=len(done),
        sessions_interrupted=sum(f.status == SessionStatus.INTERRUPTED.value for f in done),
        sessions_prescribed=whole(wanted),
        prescribed_done=counted,
        by_source=tuple(sorted(sources.items())),
        due=wanted,
    )


def ratio(adherence: Iterable[WeekAdherence]) -> float | None:
    """Credited / due over the weeks (None when nothing was due): 0-1, never above 1."""
    rows = list(adherence)
    wanted = sum(w.due for w in rows)
    return sum(w.credited for w in rows) / wanted if wanted > 0 else None


def by_source(adherence: Iterable[WeekAdherence]) -> dict[str, int]:
    """Sessions done per source over the weeks."""
    total: Counter[str] = Counter()
    for week in adherence:
        total.update(dict(week.by_source))
    return dict(total)
