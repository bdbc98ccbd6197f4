"""How each prescribed exercise is going, in one plain sentence (from the measured sessions).

The latest session's range of movement (mean of its complete reps; the prescribed side, or
both sides pooled) against the first measured session's; for a hold, the latest mean hold
against the first. Sessions the patient logged by hand are their own account, not measured:
they are left out here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from rehab.core.exercise import Exercise
from rehab.core.results import Side
from rehab.i18n import Translator
from rehab.patient.progress_words import hold_sentence, range_sentence
from rehab.store.queries import ProgramItem, RomPoint, VolumePoint


@dataclass(frozen=True)
class ExerciseProgress:
    item_id: int
    exercise_name: str
    sentence: str


def _range_by_session(
    points: Iterable[RomPoint], exercise_id: str, side: Side
) -> list[tuple[dt.datetime, float]]:
    """(start, mean range) per measured session, oldest first, on the prescribed side."""
    totals: dict[int, tuple[dt.datetime, float, int]] = {}
    for p in points:
        if p.exercise_id != exercise_id or math.isnan(p.mean_rom_deg) or p.reps <= 0:
            continue
        if side is not Side.BOTH and p.side not in (side, Side.BOTH):
            continue
        at, total, n = totals.get(p.session_id, (p.started_at, 0.0, 0))
        totals[p.session_id] = (at, total + p.mean_rom_deg * p.reps, n + p.reps)
    return sorted((at, total / n) for at, total, n in totals.values() if n)


def _hold_by_session(
    points: Iterable[VolumePoint], exercise_id: str, measured: Callable[[int], bool]
) -> list[tuple[dt.datetime, float]]:
    """(start, mean seconds held per set) per measured session, oldest first."""
    return sorted(
        (p.started_at, p.hold_s_done / p.sets_done)
        for p in points
        if p.exercise_id == exercise_id
        and p.sets_done
        and p.hold_s_done > 0
        and measured(p.session_id)
    )


@dataclass(frozen=True)
class Today:
    """The patient's day and the clinic's time zone the sessions' days are read in."""

    day: dt.date
    zone: ZoneInfo


def _sentence(
    series: list[tuple[dt.datetime, float]],
    say: Callable[[tuple[dt.date, float] | None, float], str],
    zone: ZoneInfo,
) -> str | None:
    if not series:
        return None
    first, latest = series[0], series[-1]
    then = None if len(series) == 1 else (first[0].astimezone(zone).date(), first[1])
    return say(then, latest[1])


def _held(then: tuple[dt.date, float] | None, now: float, *, t: Translator, day: dt.date) -> str:
    return hold_sentence(then, now, t, day)


def _moved(
    then: tuple[dt.date, float] | None,
    now: float,
    *,
    exercise: Exercise,
    t: Translator,
    day: dt.date,
) -> str:
    return range_sentence(exercise, then, now, t, day)


def exercise_progress(
    items: Sequence[ProgramItem],
    exercises: Callable[[str], Exercise | None],
    rom: Sequence[RomPoint],
    volume: Sequence[VolumePoint],
    self_reported: Callable[[int], bool],
    t: Translator,
    today: Today,
) -> list[ExerciseProgress]:
    """One sentence per prescribed exercise with a measured session (in the program's order).
    `exercises` gives the exercise in the patient's language (None when not in the library);
    `self_reported(session_id)` tells the sessions logged by hand."""
    out: list[ExerciseProgress] = []
    for item in items:
        exercise = exercises(item.exercise_id)
        if exercise is None:
            continue
        if exercise.is_hold:
            series = _hold_by_session(volume, item.exercise_id, lambda s: not self_reported(s))
            text = _sentence(series, partial(_held, t=t, day=today.day), today.zone)
        else:
            series = _range_by_session(rom, item.exercise_id, item.side)
            say = partial(_moved, exercise=exercise, t=t, day=today.day)
            text = _sentence(series, say, today.zone)
        if text is not None:
            out.append(ExerciseProgress(item.item_id, exercise.name, text))
    return out
