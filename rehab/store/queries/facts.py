"""Alerts, and what the patient list needs, for many patients from a few grouped queries.

The rules themselves are pure functions in `rehab.store.alerts`; this module gathers the
facts they look at (programs, sessions done, last activity, the last two pains, ROM trend).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from rehab.core.check_in import worse_pain
from rehab.store.access import Actor
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
from rehab.store.queries.common import DONE, core, open_patient
from rehab.store.queries.programs import Program, programs
from rehab.store.times import aware, utc_now


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


class PatientFacts:
    """What the alerts and the list need, for many patients, from a few grouped queries."""

    def __init__(self, now: dt.datetime, rules: AlertRules) -> None:
        self.now, self.rules = now, rules
        self.programs: dict[int, list[Program]] = {}
        self.done_7d: dict[int, int] = {}
        self.done_28d: dict[int, int] = {}
        self.last_activity: dict[int, dt.datetime] = {}
        self.pain: dict[int, list[PainFact]] = {}
        self.rom: dict[int, list[RomFact]] = {}

    @classmethod
    def gather(
        cls, session: Session, ids: Sequence[int], now: dt.datetime, rules: AlertRules
    ) -> PatientFacts:
        facts = cls(now, rules)
        facts.programs = programs(session, ids)
        facts.done_7d = _sessions_done(session, ids, now - dt.timedelta(days=7), now)
        facts.done_28d = _sessions_done(session, ids, now - dt.timedelta(days=28), now)
        facts.last_activity = _last_activity(session, ids, now)
        facts.pain = _last_two_pains(session, ids, now)
        facts.rom = _rom_trend(session, ids, now, rules.rom_window)
        return facts

    def program(self, patient_id: int) -> Program | None:
        today = self.now.date()
        active = [p for p in self.programs.get(patient_id, []) if p.active_on(today)]
        return active[0] if active else None

    def per_week(self, patient_id: int) -> int | None:
        program = self.program(patient_id)
        return program.sessions_per_week if program else None

    def adherence_28d(self, patient_id: int) -> float | None:
        program = self.program(patient_id)
        if program is None:
            return None
        start = max(program.start_date, (self.now - dt.timedelta(days=28)).date())
        days = max(1, (self.now.date() - start).days)
        expected = program.sessions_per_week * days / 7
        return self.done_28d.get(patient_id, 0) / expected if expected else None

    def alerts(self, patient_id: int) -> list[Alert]:
        found: list[Alert | None] = []
        pains = self.pain.get(patient_id, [])
        if pains:
            previous = pains[1] if len(pains) > 1 else None
            found.append(pain_alert(patient_id, pains[0], previous, self.rules))
        program = self.program(patient_id)
        if program is not None:
            start = dt.datetime.combine(program.start_date, dt.time(), dt.UTC)
            last = self.last_activity.get(patient_id)
            found.append(inactivity_alert(patient_id, last, start, self.now, self.rules))
            if self.now - start >= dt.timedelta(days=7):
                done = self.done_7d.get(patient_id, 0)
                found.append(
                    adherence_alert(
                        patient_id, done, program.sessions_per_week, self.now, self.rules
                    )
                )
        found.extend(
            rom_alert(patient_id, f, self.now, self.rules) for f in self.rom.get(patient_id, [])
        )
        return sort_alerts([a for a in found if a is not None])


def _sessions_done(
    session: Session, ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    rows = (
        core(session)
        .execute(
            select(ExerciseSession.patient_id, func.count(ExerciseSession.id))
            .where(
                ExerciseSession.patient_id.in_(ids),
                ExerciseSession.status.in_(DONE),
                ExerciseSession.started_at >= since,
                ExerciseSession.started_at <= until,
            )
            .group_by(ExerciseSession.patient_id)
        )
        .all()
    )
    return {patient_id: count for patient_id, count in rows}


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


def _last_two_pains(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> dict[int, list[PainFact]]:
    """Each patient's last two check-in pains, newest first; a check-in's pain is the core's
    `worse_pain` of before and after."""
    order = func.row_number().over(
        partition_by=CheckIn.patient_id, order_by=(CheckIn.recorded_at.desc(), CheckIn.id.desc())
    )
    ranked = (
        select(
            CheckIn.patient_id,
            CheckIn.recorded_at,
            CheckIn.pain_before,
            CheckIn.pain_after,
            order.label("n"),
        )
        .where(
            CheckIn.patient_id.in_(ids),
            CheckIn.recorded_at <= now,
            (CheckIn.pain_before.is_not(None)) | (CheckIn.pain_after.is_not(None)),
        )
        .subquery()
    )
    rows = (
        core(session)
        .execute(
            select(
                ranked.c.patient_id, ranked.c.recorded_at, ranked.c.pain_before, ranked.c.pain_after
            )
            .where(ranked.c.n <= 2)
            .order_by(ranked.c.patient_id, ranked.c.n)
        )
        .all()
    )
    out: dict[int, list[PainFact]] = defaultdict(list)
    for patient_id, recorded_at, before, after in rows:
        pain = worse_pain(before, after)
        if pain is not None:
            out[patient_id].append(PainFact(aware(recorded_at), pain))
    return out


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
