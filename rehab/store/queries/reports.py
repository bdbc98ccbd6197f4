"""A progress report's data: everything over a period, read in one go, one audit entry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rehab.domain import Role
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.adherence import WeekAdherence
from rehab.store.alerts import DEFAULT_RULES, Alert
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, ExerciseSession, ExerciseSet, FormIssueRow, Hold, Rep
from rehab.store.outcomes import OutcomeScore, outcome_rows
from rehab.store.queries.common import Window, metric
from rehab.store.queries.facts import alerts_for
from rehab.store.queries.patients import PatientDetail, detail_of
from rehab.store.queries.progress import (
    CheckInPoint,
    FormIssueCount,
    RomPoint,
    VolumePoint,
    check_ins,
    form_counts,
    rom_points,
    volume_points,
    weekly,
)
from rehab.store.queries.sessions import SessionSummary, session_summaries
from rehab.store.settings import zone_of


@dataclass(frozen=True)
class RepRow:
    """One stored rep with where it belongs (session, set): a row of the per-rep table."""

    session_id: int
    session_started_at: dt.datetime
    set_id: int
    set_index: int
    exercise_id: str
    side: str
    rep_index: int
    complete: bool
    start_ms: float
    peak_ms: float
    end_ms: float
    peak_angle_deg: float
    min_angle_deg: float
    max_angle_deg: float
    rom_deg: float
    concentric_s: float
    eccentric_s: float
    hold_s: float
    confidence: float
    form_issues: tuple[str, ...]  # rule ids, in the order they were raised

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


@dataclass(frozen=True)
class HoldRow:
    """One stored timed hold: a row of the per-hold table."""

    session_id: int
    session_started_at: dt.datetime
    set_id: int
    set_index: int
    exercise_id: str
    side: str
    start_ms: float
    end_ms: float
    held_s: float
    mean_angle_deg: float
    complete: bool
    confidence: float
    form_issues: tuple[str, ...]


@dataclass(frozen=True)
class ReportData:
    """Everything a progress report over [since, until) needs, read in one go."""

    patient: PatientDetail
    since: dt.datetime
    until: dt.datetime
    sessions: tuple[SessionSummary, ...]
    rom: tuple[RomPoint, ...]
    volume: tuple[VolumePoint, ...]
    form_issues: tuple[FormIssueCount, ...]
    check_ins: tuple[CheckInPoint, ...]
    adherence: tuple[WeekAdherence, ...]
    alerts: tuple[Alert, ...]
    reps: tuple[RepRow, ...] = ()  # every rep and hold of the period: only `with_rows`
    holds: tuple[HoldRow, ...] = ()
    outcomes: tuple[OutcomeScore, ...] = ()  # questionnaire scores of the period
    time_zone: str = "UTC"  # the clinic's: its days and weeks are the report's


def report_data(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime | None = None,
    *,
    with_rows: bool = False,
) -> ReportData:
    """Everything for a progress report over [since, until) (one audit entry); with
    `with_rows`, every rep and hold of the period too (the CSV tables)."""
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    audit(
        session,
        actor,
        AuditAction.READ,
        "report",
        patient_id,
        detail=f"{since:%Y-%m-%d}..{until:%Y-%m-%d}",
    )
    window = Window(since, until)
    data = ReportData(
        patient=detail_of(session, patient, clinical=actor.role is not Role.PATIENT),
        since=since,
        until=until,
        sessions=tuple(session_summaries(session, patient_id, window)),
        rom=tuple(rom_points(session, patient_id, window)),
        volume=tuple(volume_points(session, patient_id, window)),
        form_issues=tuple(form_counts(session, patient_id, window)),
        check_ins=tuple(check_ins(session, patient_id, window)),
        adherence=tuple(weekly(session, patient_id, window)),
        alerts=tuple(alerts_for(session, patient_id, now or until, DEFAULT_RULES)),
        outcomes=tuple(outcome_rows(session, patient_id, window)),
        time_zone=zone_of(session).key,
    )
    if not with_rows or not data.sessions:
        return data
    where = [ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at)]
    reps, holds = _rep_rows(session, where), _hold_rows(session, where)
    return replace(data, reps=tuple(reps), holds=tuple(holds))


def _issues_by(
    session: Session, owner: InstrumentedAttribute[int | None], where: list[ColumnElement[bool]]
) -> dict[int, list[str]]:
    """Rule ids of the period's form issues, by rep (or hold) id, in the order raised."""
    rows = session.execute(
        select(owner, FormIssueRow.rule_id)
        .join(ExerciseSet, ExerciseSet.id == FormIssueRow.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(owner.is_not(None), *where)
        .order_by(owner, FormIssueRow.t_ms, FormIssueRow.id)
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for owner_id, rule in rows:
        if owner_id is not None:
            out[owner_id].append(rule)
    return out


REP_FIELDS = (
    Rep.id,
    Rep.set_id,
    Rep.exercise_id,
    Rep.side,
    Rep.rep_index,
    Rep.complete,
    Rep.start_ms,
    Rep.peak_ms,
    Rep.end_ms,
    Rep.peak_angle_deg,
    Rep.min_angle_deg,
    Rep.max_angle_deg,
    Rep.rom_deg,
    Rep.concentric_s,
    Rep.eccentric_s,
    Rep.hold_s,
    Rep.confidence,
)


def _rep_rows(session: Session, where: list[ColumnElement[bool]]) -> list[RepRow]:
    """Columns, not ORM objects: a year of one patient is some 20,000 reps."""
    rows = session.execute(
        select(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.set_index, *REP_FIELDS)
        .join(ExerciseSet, ExerciseSet.id == Rep.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)
        .order_by(ExerciseSession.started_at, ExerciseSession.id, ExerciseSet.id, Rep.id)
    ).all()
    issues = _issues_by(session, FormIssueRow.rep_id, where)
    return [_rep_row(tuple(row), issues.get(row[3], [])) for row in rows]


def _rep_row(row: tuple[Any, ...], issues: list[str]) -> RepRow:
    sid, started, set_index, _rep_id, set_id, exercise, side, rep_index, complete = row[:9]
    start, peak, end, peak_angle, low, high, rom, concentric, eccentric, hold, conf = row[9:]
    return RepRow(
        session_id=sid,
        session_started_at=started,
        set_id=set_id,
        set_index=set_index,
        exercise_id=exercise,
        side=side,
        rep_index=rep_index,
        complete=complete,
        start_ms=start,
        peak_ms=metric(peak),
        end_ms=end,
        peak_angle_deg=metric(peak_angle),
        min_angle_deg=metric(low),
        max_angle_deg=metric(high),
        rom_deg=metric(rom),
        concentric_s=metric(concentric),
        eccentric_s=metric(eccentric),
        hold_s=metric(hold),
        confidence=metric(conf),
        form_issues=tuple(issues),
    )


def _hold_rows(session: Session, where: list[ColumnElement[bool]]) -> list[HoldRow]:
    rows = session.execute(
        select(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.set_index, Hold)
        .join(ExerciseSet, ExerciseSet.id == Hold.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)
        .order_by(ExerciseSession.started_at, ExerciseSession.id, ExerciseSet.id, Hold.id)
    ).all()
    issues = _issues_by(session, FormIssueRow.hold_id, where)
    return [
        HoldRow(
            session_id=sid,
            session_started_at=started,
            set_id=hold.set_id,
            set_index=index,
            exercise_id=hold.exercise_id,
            side=hold.side,
            start_ms=hold.start_ms,
            end_ms=hold.end_ms,
            held_s=metric(hold.held_s),
            mean_angle_deg=metric(hold.mean_angle_deg),
            complete=hold.complete,
            confidence=metric(hold.confidence),
            form_issues=tuple(issues.get(hold.id, [])),
        )
        for sid, started, index, hold in rows
    ]
