"""What a report reads from the store: `report_data` plus every rep and hold of the period.

`report_data` (rehab.store.queries) checks the actor's access and writes the audit entry;
the rep and hold rows below are read in the same transaction, only after that check passed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rehab.store.access import Actor
from rehab.store.models import ExerciseSession, ExerciseSet, FormIssueRow, Hold, Rep
from rehab.store.queries import ReportData, report_data


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
class ReportInputs:
    data: ReportData
    reps: tuple[RepRow, ...]
    holds: tuple[HoldRow, ...]


def load_report_inputs(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    *,
    with_rows: bool,
) -> ReportInputs:
    """report_data (access checked, audited) and, when `with_rows`, the reps and holds."""
    data = report_data(session, actor, patient_id, since, until, now=until)
    if not with_rows or not data.sessions:
        return ReportInputs(data, (), ())
    where = _window(patient_id, since, until)
    return ReportInputs(data, tuple(_rep_rows(session, where)), tuple(_hold_rows(session, where)))


def _window(patient_id: int, since: dt.datetime, until: dt.datetime) -> list[object]:
    return [
        ExerciseSession.patient_id == patient_id,
        ExerciseSession.started_at >= since,
        ExerciseSession.started_at < until,
    ]


def _issues_by(
    session: Session, owner: InstrumentedAttribute[int | None], where: list[object]
) -> dict[int, list[str]]:
    """Rule ids of the period's form issues, by rep (or hold) id, in the order raised."""
    rows = session.execute(
        select(owner, FormIssueRow.rule_id)
        .join(ExerciseSet, ExerciseSet.id == FormIssueRow.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(owner.is_not(None), *where)  # type: ignore[arg-type]
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


def _rep_rows(session: Session, where: list[object]) -> list[RepRow]:
    """Columns, not ORM objects: a year of one patient is some 20,000 reps."""
    rows = session.execute(
        select(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.set_index, *REP_FIELDS)
        .join(ExerciseSet, ExerciseSet.id == Rep.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)  # type: ignore[arg-type]
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
        peak_ms=_metric(peak),
        end_ms=end,
        peak_angle_deg=_metric(peak_angle),
        min_angle_deg=_metric(low),
        max_angle_deg=_metric(high),
        rom_deg=_metric(rom),
        concentric_s=_metric(concentric),
        eccentric_s=_metric(eccentric),
        hold_s=_metric(hold),
        confidence=_metric(conf),
        form_issues=tuple(issues),
    )


def _hold_rows(session: Session, where: list[object]) -> list[HoldRow]:
    rows = session.execute(
        select(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.set_index, Hold)
        .join(ExerciseSet, ExerciseSet.id == Hold.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)  # type: ignore[arg-type]
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
            held_s=_metric(hold.held_s),
            mean_angle_deg=_metric(hold.mean_angle_deg),
            complete=hold.complete,
            confidence=_metric(hold.confidence),
            form_issues=tuple(issues.get(hold.id, [])),
        )
        for sid, started, index, hold in rows
    ]


def _metric(value: float | None) -> float:
    return math.nan if value is None else float(value)
