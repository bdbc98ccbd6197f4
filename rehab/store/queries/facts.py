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

from sqlalchemy import ColumnElement, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from rehab.clinic_time import day_start, local_day
from rehab.core.check_in import worse_pain
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
from rehab.store.models import CheckIn, ExerciseSession, ExerciseSet, Patient, SetStats
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
    whether a set is linked to a program item, and (for the rare session with no linked
    set: an upload, a CLI session) the exercises of its sets."""
    linked = (
        select(ExerciseSet.id)
        .where(
            ExerciseSet.session_id == ExerciseSession.id,
            ExerciseSet.prescription_item_id.is_not(None),
        )
        .exists()
    )
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
                linked,
            )
            .where(*where)
            .order_by(ExerciseSession.started_at, ExerciseSession.id)
        )
        .all()
    )
    exercises = _exercises_of(session, [r[0] for r in rows if not r[5]])
    out: dict[int, list[SessionFact]] = defaultdict(list)
    for session_id, patient_id, started, source, status, has_item in rows:
        at = aware(started)
        out[patient_id].append(
            SessionFact(
                day=local_day(at, zone),
                source=source,
                status=status,
                linked=bool(has_item),
                exercises=exercises.get(session_id, frozenset()),
                started_at=at,
            )
        )
    return out


def _exercises_of(session: Session, session_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    if not session_ids:
        return {}
    rows = (
        core(session)
        .execute(
            select(ExerciseSet.session_id, ExerciseSet.exercise_id)
            .where(ExerciseSet.session_id.in_(session_ids))
            .distinct()
        )
        .all()
    )
    found: dict[int, set[str]] = defaultdict(set)
    for session_id, exercise_id in rows:
        found[session_id].add(exercise_id)
    return {sid: frozenset(names) for sid, names in found.items()}


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


def _check_in_time(now: dt.datetime, recorded: bool, before: Any = None) -> Any:
    """The newest check-in time of the outer query's patient (with a pain value when
    `recorded`; before `before`): one index lookup per patient."""
    c = aliased(CheckIn)
    where = [c.patient_id == Patient.id, c.recorded_at <= now]
    if recorded:
        where.append(c.pain_before.is_not(None) | c.pain_after.is_not(None))
    if before is not None:
        where.append(c.recorded_at < before)
    return select(func.max(c.recorded_at)).where(*where).correlate(Patient).scalar_subquery()


def pain_states(session: Session, ids: Sequence[int], now: dt.datetime) -> dict[int, PainState]:
    """Per patient: the last two check-ins with a pain value (NULL means "not recorded":
    never read as 0) and whether the newest check-in of all was skipped (no value at all).
    Three index lookups per patient, then the few rows they point at."""
    latest = _check_in_time(now, recorded=True)
    times = core(session).execute(
        select(
            Patient.id,
            _check_in_time(now, recorded=False),
            latest,
            _check_in_time(now, recorded=True, before=latest),
        ).where(Patient.id.in_(ids))
    )
    wanted = {pid: [aware(t) if t is not None else None for t in row] for pid, *row in times}
    pairs = {(pid, t) for pid, row in wanted.items() for t in row if t is not None}
    if not pairs:
        return {}
    rows = core(session).execute(
        select(
            CheckIn.patient_id,
            CheckIn.recorded_at,
            CheckIn.pain_before,
            CheckIn.pain_after,
            CheckIn.effort_rpe,
        )
        .where(
            CheckIn.patient_id.in_({pid for pid, _ in pairs}),
            tuple_(CheckIn.patient_id, CheckIn.recorded_at).in_(sorted(pairs)),
        )
        .order_by(CheckIn.id)
    )
    at: dict[tuple[int, dt.datetime], tuple[int | None, int | None, int | None]] = {}
    for pid, recorded_at, before, after, effort in rows:
        at[(pid, aware(recorded_at))] = (before, after, effort)  # the newest id wins a tie
    return {pid: _pain_state(pid, row, at) for pid, row in wanted.items() if row[0] is not None}


def _pain_state(
    pid: int,
    times: list[dt.datetime | None],
    values: dict[tuple[int, dt.datetime], tuple[int | None, int | None, int | None]],
) -> PainState:
    newest, first, second = times
    facts = [
        PainFact(t, worse) for t in (first, second) if t is not None
        for given in [values.get((pid, t))] if given is not None
        for worse in [worse_pain(given[0], given[1])] if worse is not None
    ]  # fmt: skip
    given = values.get((pid, newest)) if newest is not None else None
    skipped = given is not None and all(v is None for v in given)
    return PainState(facts[0] if facts else None, facts[1] if len(facts) > 1 else None, skipped)


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
