"""A patient's progress over time: ROM against target, volume against the prescription,
form issues, pain and effort, weekly adherence. One patient, a time window [since, until)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from rehab.clinic_time import local_day
from rehab.core.results import Side, counts_for, done_each_side
from rehab.store.access import Actor
from rehab.store.adherence import WeekAdherence, weeks
from rehab.store.database import Transaction, sql
from rehab.store.models import (
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    FormIssueRow,
    Hold,
    SetStats,
)
from rehab.store.queries.common import Window, core, metric, open_patient
from rehab.store.queries.facts import session_facts
from rehab.store.queries.programs import Program, ProgramItem, items_by_id, programs
from rehab.store.rows import no_values
from rehab.store.settings import zone_of
from rehab.store.times import aware, utc_now


@dataclass(frozen=True)
class RomPoint:
    """ROM of one exercise and side in one session (complete reps only), against its target."""

    session_id: int
    started_at: dt.datetime
    exercise_id: str
    side: Side
    reps: int
    mean_rom_deg: float
    max_rom_deg: float
    mean_peak_angle_deg: float
    min_angle_deg: float
    max_angle_deg: float
    mean_confidence: float
    target_rom_deg: float | None  # prescribed that day (with the program's progression)
    rom_limit_deg: float | None = None  # prescribed limit, or the library's (see RomGoal)
    pose_model: str | None = None  # whose landmarks were measured (one of them, if several)

    @property
    def target_reached(self) -> bool | None:
        if self.target_rom_deg is None or math.isnan(self.max_rom_deg):
            return None
        return self.max_rom_deg >= self.target_rom_deg


@dataclass(frozen=True)
class VolumePoint:
    """Sets and reps (or hold seconds) done in one session of one exercise, vs prescribed."""

    session_id: int
    started_at: dt.datetime
    exercise_id: str
    sets_done: int
    reps_done: int  # per set, like SetResult.reps_done (core rule `done_each_side`)
    partial_reps: int
    hold_s_done: float  # per set, like SetResult.held_done_s
    sets_prescribed: int | None
    reps_prescribed: int | None  # sets x reps that day (with the program's progression)
    hold_s_prescribed: float | None  # sets x hold seconds


@dataclass(frozen=True)
class FormIssueCount:
    session_id: int
    started_at: dt.datetime
    exercise_id: str
    rule_id: str
    severity: str
    cue: str
    count: int


@dataclass(frozen=True)
class CheckInPoint:
    """A check-in. A value is None when the patient did not give it (never 0 for it)."""

    session_id: int | None
    recorded_at: dt.datetime
    pain_before: int | None
    pain_after: int | None
    effort_rpe: int | None
    comment: str

    @property
    def skipped(self) -> bool:
        """Asked, and no value given."""
        return no_values(self.pain_before, self.pain_after, self.effort_rpe)


def rom_progress(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    exercise_id: str | None = None,
) -> list[RomPoint]:
    """ROM per session, exercise and side (complete reps), with the prescribed target."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "rom")
    return rom_points(session, patient_id, Window(since, until), exercise_id)


def rom_points(
    session: Session, patient_id: int, window: Window, exercise_id: str | None = None
) -> list[RomPoint]:
    filters = [ExerciseSession.patient_id == patient_id, SetStats.complete_reps > 0]
    filters += window.on(ExerciseSession.started_at)
    if exercise_id is not None:
        filters.append(ExerciseSet.exercise_id == exercise_id)
    rows = (
        core(session)
        .execute(
            select(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                SetStats.side,
                func.sum(SetStats.complete_reps),
                func.sum(SetStats.rom_sum),
                func.sum(SetStats.rom_n),
                func.max(SetStats.rom_max),
                func.sum(SetStats.peak_sum),
                func.sum(SetStats.peak_n),
                func.min(SetStats.min_angle_min),
                func.max(SetStats.max_angle_max),
                func.sum(SetStats.confidence_sum),
                func.sum(SetStats.confidence_n),
                func.max(ExerciseSet.prescription_item_id),
                func.max(ExerciseSet.pose_model),
            )
            .select_from(SetStats)
            .join(ExerciseSet, ExerciseSet.id == SetStats.set_id)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .where(*filters)
            .group_by(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                SetStats.side,
            )
            .order_by(
                ExerciseSession.started_at,
                ExerciseSession.id,
                ExerciseSet.exercise_id,
                SetStats.side,
            )
        )
        .all()
    )
    prescribed = Prescribed.of(session, patient_id)
    return [_rom_point(tuple(row), prescribed) for row in rows]


def _mean(total: float | None, n: int | None) -> float:
    return float(total or 0.0) / int(n) if n else math.nan


class Prescribed:
    """What the patient's program items asked for on a day (progression included)."""

    def __init__(self, plans: list[Program], zone: ZoneInfo) -> None:
        self.items = items_by_id(plans)
        self.zone = zone

    @classmethod
    def of(cls, session: Session, patient_id: int) -> Prescribed:
        return cls(programs(session, [patient_id]).get(patient_id, []), zone_of(session))

    def item(self, item_id: int | None) -> tuple[Program, ProgramItem] | None:
        return None if item_id is None else self.items.get(int(item_id))

    def target(self, item_id: int | None, at: dt.datetime) -> tuple[float | None, float | None]:
        """(target, limit) of the item on the local day of `at`."""
        found = self.item(item_id)
        if found is None:
            return None, None
        program, item = found
        return item.target_on(program.start_date, local_day(at, self.zone)), item.rom_limit_deg

    def volume(
        self, item_id: int | None, at: dt.datetime
    ) -> tuple[int | None, int | None, float | None]:
        """(sets, sets x reps, sets x hold seconds) the item asked for that day."""
        found = self.item(item_id)
        if found is None:
            return None, None, None
        program, item = found
        reps = item.reps_on(program.start_date, local_day(at, self.zone))
        return (
            item.sets,
            item.sets * reps if reps else None,
            item.sets * item.hold_s if item.hold_s else None,
        )


def _rom_point(row: tuple[Any, ...], prescribed: Prescribed) -> RomPoint:
    (sid, started, exercise, side, reps, rom_sum, rom_n, rom_max, peak_sum, peak_n) = row[:10]
    low, high, conf_sum, conf_n, item_id, model = row[10:]
    at = aware(started)
    target, limit = prescribed.target(item_id, at)
    return RomPoint(
        session_id=int(sid),
        started_at=at,
        exercise_id=str(exercise),
        side=Side(str(side)),
        reps=int(reps),
        mean_rom_deg=_mean(rom_sum, rom_n),
        max_rom_deg=metric(rom_max),
        mean_peak_angle_deg=_mean(peak_sum, peak_n),
        min_angle_deg=metric(low),
        max_angle_deg=metric(high),
        mean_confidence=_mean(conf_sum, conf_n),
        target_rom_deg=None if target is None else float(target),
        rom_limit_deg=limit,
        pose_model=model,
    )


def volume_progress(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[VolumePoint]:
    """Sets and reps (or hold time) done per session and exercise, against the prescription."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "volume")
    return volume_points(session, patient_id, Window(since, until))


def volume_points(session: Session, patient_id: int, window: Window) -> list[VolumePoint]:
    where = [ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at)]
    rows = (
        core(session)
        .execute(
            select(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                func.count(ExerciseSet.id),
                func.sum(func.coalesce(ExerciseSet.reported_reps, 0)),  # logged by hand
                func.sum(func.coalesce(ExerciseSet.reported_hold_s, 0.0)),
                func.max(ExerciseSet.prescription_item_id),
            )
            .select_from(ExerciseSet)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .where(*where)
            .group_by(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.exercise_id)
            .order_by(ExerciseSession.started_at, ExerciseSession.id, ExerciseSet.exercise_id)
        )
        .all()
    )
    done = _done_per_exercise(session, where)
    prescribed = Prescribed.of(session, patient_id)
    return [
        _volume_point(tuple(row), prescribed, done.get((row[0], row[2]), Done())) for row in rows
    ]


@dataclass
class Done:
    """Reps done, partial reps and seconds held by one session's sets of one exercise."""

    reps: int = 0
    partial_reps: int = 0
    held_s: float = 0.0


def _done_per_exercise(
    session: Session, where: list[ColumnElement[bool]]
) -> dict[tuple[int, str], Done]:
    """Per (session, exercise): each set's reps done and seconds held by the core's one rule
    (`done_each_side`: per side), summed over the sets; and the partial reps."""
    owner = (ExerciseSet.session_id, ExerciseSet.exercise_id)
    stats = (
        select(*owner, SetStats.set_id, ExerciseSet.side, SetStats.side)
        .add_columns(SetStats.complete_reps, SetStats.partial_reps)
        .join(ExerciseSet, ExerciseSet.id == SetStats.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)
    )
    holds = (
        select(*owner, Hold.set_id, ExerciseSet.side, Hold.side, func.sum(Hold.held_s))
        .add_columns(func.count())
        .join(ExerciseSet, ExerciseSet.id == Hold.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)
        .group_by(*owner, Hold.set_id, ExerciseSet.side, Hold.side)
    )
    out: dict[tuple[int, str], Done] = defaultdict(Done)
    for key, set_side, per_side in _per_set(core(session).execute(stats).all(), out).values():
        out[key].reps += int(done_each_side(per_side, prescribed=set_side))
    for key, set_side, per_side in _per_set(core(session).execute(holds).all(), None).values():
        out[key].held_s += done_each_side(per_side, prescribed=set_side)
    return out


_SIDES = {side.value: side for side in Side}


def _per_set(
    rows: Iterable[Any], partial_into: dict[tuple[int, str], Done] | None
) -> dict[int, tuple[tuple[int, str], Side, dict[Side, float]]]:
    """(session, exercise, set, set's side, side, amount, partial reps) rows as {set:
    ((session, exercise), set's side, {side: amount})}; the partial reps are added up in
    `partial_into`."""
    out: dict[int, tuple[tuple[int, str], Side, dict[Side, float]]] = {}
    for session_id, exercise_id, set_id, set_side, side, amount, partial in rows:
        key = (session_id, exercise_id)
        out.setdefault(set_id, (key, _SIDES[set_side], {}))[2][_SIDES[side]] = amount or 0
        if partial_into is not None and counts_for(_SIDES[side], _SIDES[set_side]):
            partial_into[key].partial_reps += partial
    return out


def _volume_point(row: tuple[Any, ...], prescribed: Prescribed, done: Done) -> VolumePoint:
    """One session's sets of one exercise: done (per side, the core's rule) against what
    the program asked that day (with its progression). A set logged by hand has no
    counted reps or holds: its reported reps and hold time are added."""
    session_id, started, exercise_id, sets_done, reported_reps, reported_hold_s, item_id = row
    at = aware(started)
    sets_p, reps_p, hold_p = prescribed.volume(item_id, at)
    return VolumePoint(
        session_id=session_id,
        started_at=at,
        exercise_id=exercise_id,
        sets_done=sets_done,
        reps_done=done.reps + int(reported_reps),
        partial_reps=done.partial_reps,
        hold_s_done=float(done.held_s) + float(reported_hold_s),
        sets_prescribed=sets_p,
        reps_prescribed=reps_p,
        hold_s_prescribed=hold_p,
    )


def form_issues_over_time(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[FormIssueCount]:
    """How often each form rule was broken, per session and exercise."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "form_issues")
    return form_counts(session, patient_id, Window(since, until))


def form_counts(session: Session, patient_id: int, window: Window) -> list[FormIssueCount]:
    rows = (
        core(session)
        .execute(
            select(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                FormIssueRow.rule_id,
                FormIssueRow.severity,
                func.min(FormIssueRow.cue),
                func.count(FormIssueRow.id),
            )
            .select_from(FormIssueRow)
            .join(ExerciseSet, ExerciseSet.id == FormIssueRow.set_id)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .where(ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at))
            .group_by(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                FormIssueRow.rule_id,
                FormIssueRow.severity,
            )
            .order_by(ExerciseSession.started_at, ExerciseSession.id, FormIssueRow.rule_id)
        )
        .all()
    )
    return [
        FormIssueCount(sid, aware(started), exercise, rule, severity, cue, count)
        for sid, started, exercise, rule, severity, cue, count in rows
    ]


def pain_and_effort(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[CheckInPoint]:
    """Check-ins (pain before/after, effort, comment), oldest first."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "check_ins")
    return check_ins(session, patient_id, Window(since, until))


def check_ins(session: Session, patient_id: int, window: Window) -> list[CheckInPoint]:
    rows = session.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient_id, *window.on(CheckIn.recorded_at))
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ).all()
    return [
        CheckInPoint(
            c.session_id,
            c.recorded_at,
            c.pain_before,
            c.pain_after,
            c.effort_rpe,
            c.comment,
        )
        for c in rows
    ]


def weekly_adherence(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[WeekAdherence]:
    """Sessions done (by source), due and credited, week by week (Mondays, clinic time)."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "adherence")
    return weekly(session, patient_id, Window(since, until))


def weekly(session: Session, patient_id: int, window: Window) -> list[WeekAdherence]:
    """Weeks (clinic time) from the program's (or first session's) start, or `since`, to
    the period's last day (not after today): done, due and credited (rehab.store.adherence)."""
    zone = zone_of(session)
    plans = programs(session, [patient_id]).get(patient_id, [])
    facts = session_facts(session, [patient_id], window.since, None, zone).get(patient_id, [])
    if window.until is not None:
        facts = [f for f in facts if f.started_at is None or f.started_at < window.until]
    starts = [p.start_date for p in plans] + [f.day for f in facts]
    if not starts:
        return []
    first = min(starts)
    if window.since is not None:
        first = max(first, local_day(window.since, zone))
    last = local_day(utc_now(), zone)
    if window.until is not None:
        last = min(last, local_day(window.until, zone) - dt.timedelta(days=1))
    return weeks(plans, facts, first, max(last, first))
