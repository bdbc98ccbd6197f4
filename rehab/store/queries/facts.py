"""Alerts, and what the patient list needs, for many patients from a few grouped queries.

The rules themselves are pure functions in `rehab.store.alerts`; this module gathers the
facts they look at (programs, sessions done, last activity, the last two pains, ROM trend).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from rehab.clinic_time import day_start, local_day
from rehab.store.access import Actor
from rehab.store.adherence import SessionFact, ratio, weeks
from rehab.store.alerts import (
    DEFAULT_RULES,
    Alert,
    AlertRules,
    PainFact,
    RomFact,
    adherence_alert,
    inactivity_alert,
    pain_alert,
    rom_alert,
    sort_alerts,
)
from rehab.store.database import Transaction, sql
from rehab.store.models import CheckIn, ExerciseSession, ExerciseSet, SetStats
from rehab.store.queries.common import core, open_patient
from rehab.store.queries.programs import Program, programs
from rehab.store.settings import zone_of
from rehab.store.times import aware, utc_now

ADHERENCE_DAYS = 28


def patient_alerts(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    now: dt.datetime | None = None,
    rules: AlertRules = DEFAULT_RULES,
) -> list[Alert]:
    """A patient's alerts now, worst first."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "alerts")
    return alerts_for(session, patient_id, now or utc_now(), rules)


def alerts_for(
    session: Session, patient_id: int, now: dt.datetime, rules: AlertRules
) -> list[Alert]:
    return PatientFacts.gather(session, [patient_id], now, rules).alerts(patient_id)


@dataclass(frozen=True)
class PainState:
    """A patient's pain as the therapist reads it: the latest RECORDED value (never a
    skipped check-in's), the one before, and whether the newest check-in was skipped."""

    latest: PainFact | None
    previous: PainFact | None
    last_check_in_skipped: bool


NO_PAIN = PainState(None, None, False)


class PatientFacts:
    """What the alerts and the list need, for many patients, from a few grouped queries."""

    def __init__(self, now: dt.datetime, rules: AlertRules, zone: ZoneInfo) -> None:
        self.now, self.rules, self.zone = now, rules, zone
        self.today = local_day(now, zone)
        self.programs: dict[int, list[Program]] = {}
        self.sessions: dict[int, list[SessionFact]] = {}
        self.last_activity: dict[int, dt.datetime] = {}
        self.pain: dict[int, PainState] = {}
        self.rom: dict[int, list[RomFact]] = {}

    @classmethod
    def gather(
        cls, session: Session, ids: Sequence[int], now: dt.datetime, rules: AlertRules
    ) -> PatientFacts:
        facts = cls(now, rules, zone_of(session))
        facts.programs = programs(session, ids)
        first = day_start(facts.adherence_days()[0], facts.zone)
        since = min(first, now - dt.timedelta(days=7))
        facts.sessions = session_facts(session, ids, since, now, facts.zone)
        facts.last_activity = _last_activity(session, ids, now)
        facts.pain = pain_states(session, ids, now)
        facts.rom = _rom_trend(session, ids, now, rules.rom_window)
        return facts

    def adherence_days(self) -> tuple[dt.date, dt.date]:
        """The 28 local days the list's adherence covers, today included."""
        return self.today - dt.timedelta(days=ADHERENCE_DAYS - 1), self.today

    def program(self, patient_id: int) -> Program | None:
        active = [p for p in self.programs.get(patient_id, []) if p.active_on(self.today)]
        return active[0] if active else None

    def per_week(self, patient_id: int) -> int | None:
        program = self.program(patient_id)
        return program.sessions_per_week if program else None

    def done_7d(self, patient_id: int) -> int:
        """Prescribed sessions done in the last 7 days (what "this week" shows)."""
        since, plans = self.now - dt.timedelta(days=7), self.programs.get(patient_id, [])
        return sum(
            f.started_at is not None and f.started_at >= since and f.counts(plans)
            for f in self.sessions.get(patient_id, [])
        )

    def adherence_28d(self, patient_id: int) -> float | None:
        """Credited / due over the last 28 days (the days a program was active)."""
        first, last = self.adherence_days()
        plans = self.programs.get(patient_id, [])
        return ratio(weeks(plans, self.sessions.get(patient_id, []), first, last))

    def alerts(self, patient_id: int) -> list[Alert]:
        found: list[Alert | None] = []
        pain = self.pain.get(patient_id, NO_PAIN)
        if pain.latest is not None:
            found.append(pain_alert(patient_id, pain.latest, pain.previous, self.rules))
        program = self.program(patient_id)
        if program is not None:
            start = day_start(program.start_date, self.zone)
            last = self.last_activity.get(patient_id)
            found.append(inactivity_alert(patient_id, last, start, self.now, self.rules))
            if self.now - start >= dt.timedelta(days=7):
                found.append(
                    adherence_alert(
                        patient_id,
                        self.done_7d(patient_id),
                        program.sessions_per_week,
                        self.now,
                        self.rules,
                    )
                )
        found.extend(
            rom_alert(patient_id, f, self.now, self.rules) for f in self.rom.get(patient_id, [])
        )
        return sort_alerts([a for a in found if a is not None])


def session_facts(
    session: Session,
    ids: Sequence[int],
    since: dt.datetime | None,
    until: dt.datetime | None,
    zone: ZoneInfo,
) -> dict[int, list[SessionFact]]:
    """Each session of these patients in [since, until]: its local day, source, status,
    its exercises and whether a set is linked to a program item (one row per session and
    exercise, read from the covering index of sets)."""
    linked = func.max(case((ExerciseSet.prescription_item_id.is_not(None), 1), else_=0))
    where: list[ColumnElement[bool]] = [ExerciseSession.patient_id.in_(ids)]
    if since is not None:
        where.append(ExerciseSession.started_at >= since)
    if until is not None:
        where.append(ExerciseSession.started_at <= until)
    rows = (
        core(session)
        .execute(
            select(
                ExerciseSession.id,
                ExerciseSession.patient_id,
                ExerciseSession.started_at,
                ExerciseSession.source,
                ExerciseSession.status,
                ExerciseSet.exercise_id,
                linked,
            )
            .outerjoin(ExerciseSet, ExerciseSet.session_id == ExerciseSession.id)
            .where(*where)
            .group_by(ExerciseSession.id, ExerciseSet.exercise_id)
            .order_by(ExerciseSession.started_at, ExerciseSession.id)
        )
        .all()
    )
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(tuple(row))
    out: dict[int, list[SessionFact]] = defaultdict(list)
    for parts in grouped.values():
        _, patient_id, started, source, status = parts[0][:5]
        at = aware(started)
        out[patient_id].append(
            SessionFact(
                day=local_day(at, zone),
                source=source,
                status=status,
                linked=any(p[6] for p in parts),
                exercises=frozenset(p[5] for p in parts if p[5] is not None),
                started_at=at,
            )
        )
    return out


def _last_activity(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> dict[int, dt.datetime]:
    latest = func.max(ExerciseSession.last_activity_at)
    rows = (
        core(session)
        .execute(
            select(ExerciseSession.patient_id, latest)
            .where(ExerciseSession.patient_id.in_(ids), ExerciseSession.started_at <= now)
            .group_by(ExerciseSession.patient_id)
        )
        .all()
    )
    # max() of a TypeDecorator column comes back through it: aware UTC datetimes
    return {patient_id: aware(stamp) for patient_id, stamp in rows if stamp is not None}


def _check_in_pain() -> ColumnElement[int]:
    """A check-in's pain: the worse of before and after."""
    return case(
        (CheckIn.pain_after.is_(None), CheckIn.pain_before),
        (CheckIn.pain_before.is_(None), CheckIn.pain_after),
        (CheckIn.pain_after > CheckIn.pain_before, CheckIn.pain_after),
        else_=CheckIn.pain_before,
    )


def pain_states(session: Session, ids: Sequence[int], now: dt.datetime) -> dict[int, PainState]:
    """Per patient: the last two check-ins with a pain value (NULL means "not recorded":
    never read as 0) and whether the newest check-in of all was skipped (no value at all)."""
    recorded = CheckIn.pain_before.is_not(None) | CheckIn.pain_after.is_not(None)
    given = recorded | CheckIn.effort_rpe.is_not(None)
    newest = (CheckIn.recorded_at.desc(), CheckIn.id.desc())
    ranked = (
        select(
            CheckIn.patient_id,
            CheckIn.recorded_at,
            _check_in_pain().label("pain"),
            case((given, 1), else_=0).label("given"),
            func.row_number().over(partition_by=CheckIn.patient_id, order_by=newest).label("n"),
            func.row_number()
            .over(partition_by=(CheckIn.patient_id, recorded), order_by=newest)
            .label("n_recorded"),
        )
        .where(CheckIn.patient_id.in_(ids), CheckIn.recorded_at <= now)
        .subquery()
    )
    rows = (
        core(session)
        .execute(
            select(
                ranked.c.patient_id,
                ranked.c.recorded_at,
                ranked.c.pain,
                ranked.c.given,
                ranked.c.n,
            )
            .where((ranked.c.n == 1) | (ranked.c.pain.is_not(None) & (ranked.c.n_recorded <= 2)))
            .order_by(ranked.c.patient_id, ranked.c.n)
        )
        .all()
    )
    pains: dict[int, list[PainFact]] = defaultdict(list)
    skipped: dict[int, bool] = {}
    for patient_id, recorded_at, value, was_given, n in rows:
        if n == 1:
            skipped[patient_id] = not was_given
        if value is not None:
            pains[patient_id].append(PainFact(aware(recorded_at), int(value)))
    return {
        pid: PainState(
            pains[pid][0] if pains[pid] else None,
            pains[pid][1] if len(pains[pid]) > 1 else None,
            skipped[pid],
        )
        for pid in skipped
    }


def rom_trends(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    now: dt.datetime | None = None,
    rules: AlertRules = DEFAULT_RULES,
) -> list[RomFact]:
    """A patient's ROM trend per exercise and side (the last week against the week before):
    the same facts, and words (`trend_words`), as the falling-ROM alert."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "rom_trend")
    return _rom_trend(session, [patient_id], now or utc_now(), rules.rom_window).get(patient_id, [])


def _rom_trend(
    session: Session, ids: Sequence[int], now: dt.datetime, window: dt.timedelta
) -> dict[int, list[RomFact]]:
    recent = ExerciseSession.started_at >= now - window
    rows = (
        core(session)
        .execute(
            select(
                ExerciseSession.patient_id,
                ExerciseSet.exercise_id,
                SetStats.side,
                func.sum(case((recent, SetStats.rom_sum))),
                func.sum(case((recent, SetStats.rom_n))),
                func.sum(case((~recent, SetStats.rom_sum))),
                func.sum(case((~recent, SetStats.rom_n))),
            )
            .select_from(SetStats)
            .join(ExerciseSet, ExerciseSet.id == SetStats.set_id)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .where(
                ExerciseSession.patient_id.in_(ids),
                ExerciseSession.started_at >= now - 2 * window,
                ExerciseSession.started_at <= now,
            )
            .group_by(ExerciseSession.patient_id, ExerciseSet.exercise_id, SetStats.side)
        )
        .all()
    )
    out: dict[int, list[RomFact]] = defaultdict(list)
    for patient_id, exercise_id, side, recent_sum, recent_n, old_sum, old_n in rows:
        if recent_n and old_n:
            out[patient_id].append(
                RomFact(exercise_id, side, recent_sum / recent_n, old_sum / old_n)
            )
    return out
