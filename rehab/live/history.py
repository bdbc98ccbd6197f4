"""What the live page reads from the store: today's program (and its sets in order),
sessions cut off earlier, and the end-of-session summary (reps and ROM against last time)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from rehab.clinic_time import local, local_day
from rehab.core.prescription import RomGoal, RomVerdict, rom_goal, rom_summary
from rehab.domain import SessionStatus
from rehab.i18n import N_, Translator, translator
from rehab.live.flow import DEFAULT_REST_S, SetPlan, expand_sets
from rehab.live.writer import CUT_OFF_AFTER
from rehab.store import Actor, Database, close_stale_sessions
from rehab.store.queries import (
    PatientProgram,
    Program,
    RomPoint,
    SessionSummary,
    list_sessions,
    patient_detail,
    rom_progress,
    volume_progress,
)


def todays_program(db: Database, actor: Actor, patient_id: int, day: dt.date) -> Program | None:
    """The newest program active on `day` that has exercises."""
    with db.transaction() as tx:
        programs = patient_detail(tx, actor, patient_id).programs
    return next((p for p in programs if p.active_on(day) and p.items), None)


def plans_from_program(
    program: Program | PatientProgram, rest_s: float = DEFAULT_REST_S
) -> list[SetPlan]:
    """Every set of every exercise of a program, in the therapist's order."""
    plans: list[SetPlan] = []
    for item in program.items:
        plans += expand_sets(
            item.exercise_id,
            item.sets,
            target_reps=item.reps,
            hold_s=item.hold_s,
            side=item.side,
            item_id=item.item_id,
            rest_s=rest_s,
        )
    return plans


def close_cut_off_sessions(
    db: Database, actor: Actor, patient_id: int, now: dt.datetime | None = None
) -> list[SessionSummary]:
    """Close the live sessions that nothing writes any more (the tab was closed, or the
    camera dropped and they never came back) with the store's one rule: a live writer
    heartbeats while frames arrive, so `CUT_OFF_AFTER` without a write means nobody is
    there. Their reps stay. Returns the patient's sessions, oldest first, after the change."""
    close_stale_sessions(db, now, quiet_for=CUT_OFF_AFTER)
    with db.transaction() as tx:
        return list_sessions(tx, actor, patient_id)


STOPPED = N_(
    "Your session of {day} at {time} stopped before the end (the page or the camera "
    "closed): {saved}."
)
NOTHING_SAVED = N_("no repetition had been counted yet")


def cut_off_notice(
    sessions: list[SessionSummary], t: Translator | None = None, zone: dt.tzinfo = dt.UTC
) -> str:
    """A plain sentence about the latest session when it stopped early ("" otherwise), in
    the patient's language (English by default), its time in the clinic's time zone."""
    t = t or translator()
    if not sessions or sessions[-1].status != SessionStatus.INTERRUPTED.value:
        return ""
    last = sessions[-1]
    reps = last.complete_reps
    saved = (
        t.ngettext(
            "the {n} repetition you did was saved", "the {n} repetitions you did were saved", reps
        ).format(n=reps)
        if reps
        else t.gettext(NOTHING_SAVED)
    )
    started = local(last.started_at, zone)
    day, time = t.day(started.date()), started.strftime("%H:%M")
    return t.gettext(STOPPED).format(day=day, time=time, saved=saved)


@dataclass(frozen=True)
class ExerciseSummary:
    exercise_id: str
    name: str
    sets: int
    reps: int
    hold_s: float
    mean_rom_deg: float  # NaN when no complete rep
    last_rom_deg: float  # the previous session's, NaN when none
    target_rom_deg: float | None
    last_day: dt.date | None = None  # the clinic's day of the previous session's `last_rom_deg`
    goal: RomGoal = field(default_factory=RomGoal)  # the prescription's target and limit

    @property
    def rom_change_deg(self) -> float:
        return self.mean_rom_deg - self.last_rom_deg

    @property
    def rom_verdict(self) -> tuple[RomVerdict, str]:
        """The ROM judged against the prescription, and the words for it (beyond a limit:
        a caution, whatever the change since last time)."""
        return rom_summary(self.mean_rom_deg, self.last_rom_deg, self.goal)


def _rom_by_session(points: list[RomPoint], exercise_id: str) -> dict[int, float]:
    """Mean ROM per session for one exercise (the sides' reps pooled)."""
    totals: dict[int, tuple[float, int]] = {}
    for p in points:
        if p.exercise_id != exercise_id or math.isnan(p.mean_rom_deg):
            continue
        total, n = totals.get(p.session_id, (0.0, 0))
        totals[p.session_id] = (total + p.mean_rom_deg * p.reps, n + p.reps)
    return {sid: total / n for sid, (total, n) in totals.items() if n}


def _previous(
    points: list[RomPoint], exercise_id: str, before: dt.datetime
) -> tuple[float, dt.datetime] | None:
    """The mean range and start of the session with a range for the exercise that started
    last before `before` (by start time: a session's id says when it was saved, not when it
    was done)."""
    starts = {p.session_id: p.started_at for p in points if p.exercise_id == exercise_id}
    ranges = _rom_by_session(points, exercise_id)
    earlier = [sid for sid in ranges if starts[sid] < before]
    if not earlier:
        return None
    last = max(earlier, key=starts.__getitem__)
    return ranges[last], starts[last]


def session_summary(
    db: Database,
    actor: Actor,
    patient_id: int,
    session_id: int,
    name_of: Callable[[str], str],
    library_limit: Callable[[str], float | None] = lambda _: None,
    zone: dt.tzinfo = dt.UTC,
) -> list[ExerciseSummary]:
    """Per exercise of the session: sets, reps, hold time, ROM against the session done
    before it (its day in the clinic's time `zone`) and against what was prescribed
    (target, and the limit: the item's, or the library's)."""
    with db.transaction() as tx:
        volume = [v for v in volume_progress(tx, actor, patient_id) if v.session_id == session_id]
        rom = rom_progress(tx, actor, patient_id)
    out: list[ExerciseSummary] = []
    for v in (v for v in volume if v.session_id == session_id):
        by_session = _rom_by_session(rom, v.exercise_id)
        previous = _previous(rom, v.exercise_id, v.started_at)
        here = [p for p in rom if p.session_id == session_id and p.exercise_id == v.exercise_id]
        targets = [p.target_rom_deg for p in here]
        limits = [p.rom_limit_deg for p in here if p.rom_limit_deg is not None]
        target = next((t for t in targets if t is not None), None)
        goal = rom_goal(target, limits[0] if limits else None, library_limit(v.exercise_id))
        out.append(
            ExerciseSummary(
                exercise_id=v.exercise_id,
                name=name_of(v.exercise_id),
                sets=v.sets_done,
                reps=v.reps_done,
                hold_s=v.hold_s_done,
                mean_rom_deg=by_session.get(session_id, math.nan),
                last_rom_deg=math.nan if previous is None else previous[0],
                target_rom_deg=target,
                last_day=None if previous is None else local_day(previous[1], zone),
                goal=goal,
            )
        )
    return out
