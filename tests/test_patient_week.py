"""The patient's week, streak and progress sentences (pure functions)."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from rehab.core.exercise import localized
from rehab.core.results import Side
from rehab.domain import SessionSource, SessionStatus
from rehab.exercise_library import load_library
from rehab.i18n import translator
from rehab.patient.progress import Today, exercise_progress
from rehab.patient.week import monday, streak, this_week
from rehab.store.queries import DoneSession, PatientProgram, ProgramItem, RomPoint, VolumePoint

LIBRARY = load_library()
MON = dt.date(2026, 11, 2)  # a Monday
KNEE = ProgramItem(1, "knee_extension", 3, 10, None, 80.0, Side.LEFT, "")
LATER = Today(dt.date(2026, 11, 30), ZoneInfo("UTC"))  # a day after every session below
WALL = ProgramItem(2, "wall_sit", 2, None, 20.0, None, Side.BOTH, "")


def _program(start: dt.date = MON - dt.timedelta(weeks=4), per_week: int = 3) -> PatientProgram:
    return PatientProgram(1, "Knee", per_week, start, None, "", (KNEE, WALL))


def _sessions(*days: dt.date, manual: tuple[dt.date, ...] = ()) -> list[DoneSession]:
    out = []
    for n, day in enumerate(sorted([*days, *manual])):
        source = SessionSource.MANUAL if day in manual else SessionSource.LIVE
        at = dt.datetime.combine(day, dt.time(10), dt.UTC)
        out.append(DoneSession(n + 1, at, source, SessionStatus.COMPLETED))
    return out


def _week_days(week_start: dt.date, *offsets: int) -> list[dt.date]:
    return [week_start + dt.timedelta(days=o) for o in offsets]


def test_done_and_to_go_this_week_counting_days_logged_by_hand() -> None:
    wed = MON + dt.timedelta(days=2)
    sessions = _sessions(MON, manual=(MON + dt.timedelta(days=1),))
    week = this_week(_program(), sessions, wed, MON)
    assert (week.done, week.self_reported, week.target, week.remaining) == (2, 1, 3, 1)
    assert this_week(None, sessions, wed, MON).target == 0


def test_a_streak_counts_full_weeks_back_to_the_first_that_fell_short() -> None:
    days = []
    for weeks_back in (1, 2, 3):  # three full weeks before this one
        days += _week_days(MON - dt.timedelta(weeks=weeks_back), 0, 2, 4)
    days += _week_days(MON - dt.timedelta(weeks=4), 0)  # the week before fell short
    today = MON + dt.timedelta(days=1)
    assert streak(_program(), _sessions(*days), today) == 3
    full_now = _sessions(*days, *_week_days(MON, 0, 1), manual=(today,))
    assert streak(_program(), full_now, today) == 4  # this week full too (one logged by hand)
    assert streak(_program(), _sessions(*_week_days(MON, 0)), today) == 0


def test_a_streak_starts_with_the_program_prorated_in_its_first_week() -> None:
    start = MON - dt.timedelta(weeks=1) + dt.timedelta(days=4)  # a Friday: 3 days that week
    first_week = _week_days(monday(start), 4)  # one session is enough (3 a week x 3/7 days)
    days = first_week + _week_days(MON, 0, 2, 4)
    assert streak(_program(start), _sessions(*days), MON + dt.timedelta(days=5)) == 2
    assert streak(None, _sessions(*days), MON) == 0


def _rom(session_id: int, day: dt.date, mean: float, side: Side = Side.LEFT) -> RomPoint:
    at = dt.datetime.combine(day, dt.time(10), dt.UTC)
    return RomPoint(session_id, at, "knee_extension", side, 8, mean, mean + 3, 170.0,
                    90.0, 170.0, 0.9, 80.0)  # fmt: skip


def _held(session_id: int, day: dt.date, seconds: float, sets: int = 2) -> VolumePoint:
    at = dt.datetime.combine(day, dt.time(10), dt.UTC)
    return VolumePoint(session_id, at, "wall_sit", sets, 0, 0, seconds, 2, None, 40.0)


def test_progress_in_plain_words_from_the_first_measured_session() -> None:
    nov_3, nov_20 = dt.date(2026, 11, 3), dt.date(2026, 11, 20)
    rom = [_rom(1, nov_3, 60.0), _rom(2, nov_20, 72.4), _rom(2, nov_20, 10.0, Side.RIGHT)]
    volume = [_held(1, nov_3, 30.0), _held(3, nov_20, 80.0), _held(2, nov_20, 50.0)]
    lines = exercise_progress(
        (KNEE, WALL),
        lambda e: LIBRARY.get(e),
        rom,
        volume,
        {3}.__contains__,
        translator("en"),
        LATER,
    )
    assert [(p.exercise_name, p.sentence) for p in lines] == [
        ("Seated knee extension", "Your knee straightens 12° further than on 3 November."),
        ("Wall sit", "You held 10 seconds longer than on 3 November."),  # 25 s a set vs 15
    ]  # the right side is not prescribed; session 3 was logged by hand: not measured


def test_progress_in_spanish_and_a_first_time() -> None:
    rom = [_rom(1, dt.date(2026, 11, 3), 61.6)]

    def spanish(exercise_id: str):  # type: ignore[no-untyped-def]
        return localized(LIBRARY.get(exercise_id), "es")

    (line,) = exercise_progress(
        (KNEE, WALL), spanish, rom, [], lambda _: False, translator("es"), LATER
    )
    assert line.exercise_name == localized(LIBRARY.get("knee_extension"), "es").name
    assert line.sentence == "Tu primera vez: 62° de movimiento."


def test_no_sentence_without_a_measured_session() -> None:
    rom = [_rom(1, MON, math.nan)]
    assert (
        exercise_progress((KNEE,), LIBRARY.get, rom, [], lambda _: False, translator(), LATER) == []
    )


def test_two_sessions_today_read_earlier_today_by_the_clinics_calendar() -> None:
    """At 00:30 in Madrid (23:30 UTC the day before) and again at 18:00: the same local day,
    so "earlier today"; read in UTC it would have been "yesterday"."""
    madrid = ZoneInfo("Europe/Madrid")
    nov_30 = dt.date(2026, 11, 30)
    first = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    rom = [
        RomPoint(1, first, "knee_extension", Side.LEFT, 8, 60.0, 63.0, 170.0, 90.0, 170.0,
                 0.9, 80.0),
        RomPoint(2, late, "knee_extension", Side.LEFT, 8, 72.0, 75.0, 170.0, 90.0, 170.0,
                 0.9, 80.0),
    ]  # fmt: skip
    for zone, words in ((madrid, "earlier today"), (ZoneInfo("UTC"), "yesterday")):
        (line,) = exercise_progress((KNEE,), LIBRARY.get, rom, [], lambda _: False,
                                    translator(), Today(nov_30, zone))  # fmt: skip
        assert line.sentence == f"Your knee straightens 12° further than {words}.", zone


def test_a_new_patients_week_has_not_started_but_a_returning_patients_has() -> None:
    assert not this_week(_program(start=MON), [], MON, None).started
    assert this_week(_program(), _sessions(MON), MON, MON).started
    long_ago = MON - dt.timedelta(weeks=40)  # before the weeks the page reads sessions for
    assert this_week(_program(start=MON), [], MON, long_ago).started
