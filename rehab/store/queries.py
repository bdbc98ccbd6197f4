"""What the dashboard and the reports read: Session in, plain frozen dataclasses out.

Every function takes the asking user (`Actor`), applies the access rules of
`rehab.store.access` (AccessDenied for someone else's patient) and adds an audit entry to the
session's transaction: use `session_scope(engine)`, which commits it.

Times are aware UTC datetimes; weeks start on Monday (UTC). A session counts as done when it
is completed or interrupted (the patient exercised; the camera or the tab gave up).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from rehab.core.check_in import worse_pain
from rehab.core.results import HoldResult, RepResult, SetFigures, Side, done_each_side
from rehab.errors import NotFound
from rehab.store.access import Actor, audit, check_patient_access, visible_patients
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
from rehab.store.models import (
    AuditAction,
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    FormIssueRow,
    Hold,
    Patient,
    Prescription,
    PrescriptionItem,
    Rep,
    SessionStatus,
    SetStats,
    User,
)
from rehab.store.recorder import hold_result, rep_result, utc_now

DONE = (SessionStatus.COMPLETED.value, SessionStatus.INTERRUPTED.value)


# -- dataclasses out ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramItem:
    item_id: int
    exercise_id: str
    sets: int
    reps: int | None
    hold_s: float | None
    target_rom_deg: float | None
    side: Side
    notes_for_patient: str


@dataclass(frozen=True)
class Program:
    prescription_id: int
    title: str
    sessions_per_week: int
    start_date: dt.date
    end_date: dt.date | None
    notes: str
    items: tuple[ProgramItem, ...]

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class PatientSummary:
    """One row of the therapist's patient list."""

    patient_id: int
    name: str
    condition: str
    affected_side: Side
    therapist_id: int
    therapist_name: str
    is_demo: bool
    sessions_per_week: int | None  # of the active program (None: no active program)
    sessions_last_7d: int
    adherence_28d: float | None  # sessions done / prescribed, last 28 days (None: no program)
    last_activity_at: dt.datetime | None
    alerts: tuple[Alert, ...]

    @property
    def top_alert(self) -> Alert | None:
        return self.alerts[0] if self.alerts else None


@dataclass(frozen=True)
class PatientDetail:
    patient_id: int
    user_id: int
    name: str
    condition: str
    affected_side: Side
    notes: str
    therapist_id: int
    therapist_name: str
    store_landmarks: bool
    is_demo: bool
    programs: tuple[Program, ...]  # newest first


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    source: str
    status: str
    sets: int
    complete_reps: int
    partial_reps: int
    pain_before: int | None
    pain_after: int | None
    effort_rpe: int | None


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
    target_rom_deg: float | None

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
    reps_prescribed: int | None  # sets x reps
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
    session_id: int | None
    recorded_at: dt.datetime
    pain_before: int | None
    pain_after: int | None
    effort_rpe: int | None
    comment: str


@dataclass(frozen=True)
class WeekAdherence:
    week_start: dt.date  # a Monday
    sessions_done: int
    sessions_interrupted: int
    sessions_prescribed: int


@dataclass(frozen=True)
class SetDetail:
    set_id: int
    exercise_id: str
    set_index: int
    side: Side
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reps: tuple[RepResult, ...]
    holds: tuple[HoldResult, ...]
    figures: SetFigures
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class SessionDetail:
    summary: SessionSummary
    patient_id: int
    sets: tuple[SetDetail, ...]


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


@dataclass(frozen=True)
class Window:
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def on(self, column: object) -> list[object]:
        rules = []
        if self.since is not None:
            rules.append(column >= self.since)  # type: ignore[operator]
        if self.until is not None:
            rules.append(column < self.until)  # type: ignore[operator]
        return rules


def _core(session: Session) -> Connection:
    """The session's connection: column-only SELECTs skip the ORM's result machinery
    (about half the Python time of a progress query); same transaction, same audit."""
    return session.connection()


# -- patient list ----------------------------------------------------------------------------


def list_patients(
    session: Session,
    actor: Actor,
    now: dt.datetime | None = None,
    rules: AlertRules = DEFAULT_RULES,
) -> list[PatientSummary]:
    """The patients `actor` may see, with adherence, last activity and alerts (worst first)."""
    moment = now or utc_now()
    therapist = aliased(User)
    rows = session.execute(
        select(Patient, User.display_name, therapist.display_name)
        .join(User, User.id == Patient.user_id)
        .join(therapist, therapist.id == Patient.therapist_id)
        .where(visible_patients(actor))
        .order_by(User.display_name, Patient.id)
    ).all()
    ids = [patient.id for patient, _, _ in rows]
    audit(session, actor, AuditAction.READ, "patient_list", detail=f"{len(ids)} patients")
    if not ids:
        return []
    facts = _PatientFacts.gather(session, ids, moment, rules)
    return [
        PatientSummary(
            patient_id=patient.id,
            name=name,
            condition=patient.condition,
            affected_side=Side(patient.affected_side),
            therapist_id=patient.therapist_id,
            therapist_name=therapist_name,
            is_demo=patient.is_demo,
            sessions_per_week=facts.per_week(patient.id),
            sessions_last_7d=facts.done_7d.get(patient.id, 0),
            adherence_28d=facts.adherence_28d(patient.id),
            last_activity_at=facts.last_activity.get(patient.id),
            alerts=tuple(facts.alerts(patient.id)),
        )
        for patient, name, therapist_name in rows
    ]


def patient_alerts(
    session: Session,
    actor: Actor,
    patient_id: int,
    now: dt.datetime | None = None,
    rules: AlertRules = DEFAULT_RULES,
) -> list[Alert]:
    _open(session, actor, patient_id, "alerts")
    return _alerts(session, patient_id, now or utc_now(), rules)


def _alerts(session: Session, patient_id: int, now: dt.datetime, rules: AlertRules) -> list[Alert]:
    return _PatientFacts.gather(session, [patient_id], now, rules).alerts(patient_id)


class _PatientFacts:
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
    ) -> _PatientFacts:
        facts = cls(now, rules)
        facts.programs = _programs(session, ids)
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


def _programs(session: Session, ids: Sequence[int]) -> dict[int, list[Program]]:
    prescriptions = session.scalars(
        select(Prescription)
        .where(Prescription.patient_id.in_(ids))
        .options(selectinload(Prescription.items))
        .order_by(Prescription.start_date.desc(), Prescription.id.desc())
    ).all()
    out: dict[int, list[Program]] = defaultdict(list)
    for prescription in prescriptions:
        out[prescription.patient_id].append(_program(prescription))
    return out


def _program(row: Prescription) -> Program:
    return Program(
        prescription_id=row.id,
        title=row.title,
        sessions_per_week=row.sessions_per_week,
        start_date=row.start_date,
        end_date=row.end_date,
        notes=row.notes,
        items=tuple(
            ProgramItem(
                item_id=item.id,
                exercise_id=item.exercise_id,
                sets=item.sets,
                reps=item.reps,
                hold_s=item.hold_s,
                target_rom_deg=item.target_rom_deg,
                side=Side(item.side),
                notes_for_patient=item.notes_for_patient,
            )
            for item in row.items
        ),
    )


def _sessions_done(
    session: Session, ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    rows = (
        _core(session)
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
        _core(session)
        .execute(
            select(ExerciseSession.patient_id, latest)
            .where(ExerciseSession.patient_id.in_(ids), ExerciseSession.started_at <= now)
            .group_by(ExerciseSession.patient_id)
        )
        .all()
    )
    # max() of a TypeDecorator column comes back through it: aware UTC datetimes
    return {patient_id: _aware(stamp) for patient_id, stamp in rows if stamp is not None}


def _aware(stamp: dt.datetime | str) -> dt.datetime:
    value = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _last_two_pains(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> dict[int, list[PainFact]]:
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
        _core(session)
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
            out[patient_id].append(PainFact(_aware(recorded_at), pain))
    return out


def _rom_trend(
    session: Session, ids: Sequence[int], now: dt.datetime, window: dt.timedelta
) -> dict[int, list[RomFact]]:
    recent = ExerciseSession.started_at >= now - window
    rows = (
        _core(session)
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


# -- one patient -------------------------------------------------------------------------------


def _open(session: Session, actor: Actor, patient_id: int, resource: str) -> Patient:
    patient = check_patient_access(session, actor, patient_id)
    audit(session, actor, AuditAction.READ, resource, patient_id)
    return patient


def patient_detail(session: Session, actor: Actor, patient_id: int) -> PatientDetail:
    patient = _open(session, actor, patient_id, "patient")
    return _detail(session, patient)


def _detail(session: Session, patient: Patient) -> PatientDetail:
    return PatientDetail(
        patient_id=patient.id,
        user_id=patient.user_id,
        name=patient.user.display_name,
        condition=patient.condition,
        affected_side=Side(patient.affected_side),
        notes=patient.notes,
        therapist_id=patient.therapist_id,
        therapist_name=patient.therapist.display_name,
        store_landmarks=patient.store_landmarks,
        is_demo=patient.is_demo,
        programs=tuple(_programs(session, [patient.id]).get(patient.id, [])),
    )


def patient_id_for_user(session: Session, actor: Actor) -> int:
    """A patient's own patient id (for the patient's pages)."""
    patient_id = session.scalar(select(Patient.id).where(Patient.user_id == actor.user_id))
    if patient_id is None:
        raise NotFound(f"{actor.label} has no patient record")
    return patient_id


def list_sessions(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[SessionSummary]:
    """A patient's sessions in [since, until), oldest first, with rep counts and check-in."""
    _open(session, actor, patient_id, "sessions")
    return _session_summaries(session, patient_id, Window(since, until))


def _session_summaries(
    session: Session, patient_id: int, window: Window, session_id: int | None = None
) -> list[SessionSummary]:
    where = [ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at)]
    if session_id is not None:
        where.append(ExerciseSession.id == session_id)
    counts = (
        select(
            ExerciseSet.session_id.label("session_id"),
            func.count(func.distinct(ExerciseSet.id)).label("sets"),
            func.sum(SetStats.complete_reps).label("complete"),
            func.sum(SetStats.partial_reps).label("partial"),
        )
        .select_from(ExerciseSet)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .outerjoin(SetStats, SetStats.set_id == ExerciseSet.id)
        .where(*where)  # type: ignore[arg-type]
        .group_by(ExerciseSet.session_id)
        .subquery()
    )
    rows = session.execute(
        select(ExerciseSession, counts.c.sets, counts.c.complete, counts.c.partial, CheckIn)
        .outerjoin(counts, counts.c.session_id == ExerciseSession.id)
        .outerjoin(CheckIn, CheckIn.session_id == ExerciseSession.id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(ExerciseSession.started_at, ExerciseSession.id)
    ).all()
    return [_summary(*row) for row in rows]


def _summary(
    row: ExerciseSession,
    sets: int | None,
    complete: int | None,
    partial: int | None,
    check: CheckIn | None,
) -> SessionSummary:
    return SessionSummary(
        session_id=row.id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        source=row.source,
        status=row.status,
        sets=sets or 0,
        complete_reps=complete or 0,
        partial_reps=partial or 0,
        pain_before=check.pain_before if check else None,
        pain_after=check.pain_after if check else None,
        effort_rpe=check.effort_rpe if check else None,
    )


def rom_progress(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    exercise_id: str | None = None,
) -> list[RomPoint]:
    """ROM per session, exercise and side (complete reps), with the prescribed target."""
    _open(session, actor, patient_id, "rom")
    return _rom_points(session, patient_id, Window(since, until), exercise_id)


def _rom_points(
    session: Session, patient_id: int, window: Window, exercise_id: str | None = None
) -> list[RomPoint]:
    filters = [ExerciseSession.patient_id == patient_id, SetStats.complete_reps > 0]
    filters += window.on(ExerciseSession.started_at)  # type: ignore[arg-type]
    if exercise_id is not None:
        filters.append(ExerciseSet.exercise_id == exercise_id)
    rows = (
        _core(session)
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
                func.max(PrescriptionItem.target_rom_deg),
            )
            .select_from(SetStats)
            .join(ExerciseSet, ExerciseSet.id == SetStats.set_id)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .outerjoin(PrescriptionItem, PrescriptionItem.id == ExerciseSet.prescription_item_id)
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
    return [_rom_point(row) for row in rows]


def _mean(total: object, n: object) -> float:
    return float(total) / int(n) if n else math.nan  # type: ignore[arg-type, call-overload]


def _num(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def _rom_point(row: Row[tuple[object, ...]]) -> RomPoint:
    (sid, started, exercise, side, reps, rom_sum, rom_n, rom_max, peak_sum, peak_n) = row[:10]
    low, high, conf_sum, conf_n, target = row[10:]
    return RomPoint(
        session_id=int(sid),  # type: ignore[call-overload]
        started_at=_aware(started),  # type: ignore[arg-type]
        exercise_id=str(exercise),
        side=Side(str(side)),
        reps=int(reps),  # type: ignore[call-overload]
        mean_rom_deg=_mean(rom_sum, rom_n),
        max_rom_deg=_num(rom_max),
        mean_peak_angle_deg=_mean(peak_sum, peak_n),
        min_angle_deg=_num(low),
        max_angle_deg=_num(high),
        mean_confidence=_mean(conf_sum, conf_n),
        target_rom_deg=None if target is None else float(target),  # type: ignore[arg-type]
    )


def volume_progress(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[VolumePoint]:
    """Sets and reps (or hold time) done per session and exercise, against the prescription."""
    _open(session, actor, patient_id, "volume")
    return _volume_points(session, patient_id, Window(since, until))


def _volume_points(session: Session, patient_id: int, window: Window) -> list[VolumePoint]:
    where = [ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at)]
    rows = (
        _core(session)
        .execute(
            select(
                ExerciseSession.id,
                ExerciseSession.started_at,
                ExerciseSet.exercise_id,
                func.count(ExerciseSet.id),
                func.max(PrescriptionItem.sets),
                func.max(PrescriptionItem.reps),
                func.max(PrescriptionItem.hold_s),
            )
            .select_from(ExerciseSet)
            .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
            .outerjoin(PrescriptionItem, PrescriptionItem.id == ExerciseSet.prescription_item_id)
            .where(*where)  # type: ignore[arg-type]
            .group_by(ExerciseSession.id, ExerciseSession.started_at, ExerciseSet.exercise_id)
            .order_by(ExerciseSession.started_at, ExerciseSession.id, ExerciseSet.exercise_id)
        )
        .all()
    )
    done = _done_per_exercise(session, where)
    return [_volume_point(*row, done.get((row[0], row[2]), Done())) for row in rows]


@dataclass
class Done:
    """Reps done, partial reps and seconds held by one session's sets of one exercise."""

    reps: int = 0
    partial_reps: int = 0
    held_s: float = 0.0


def _done_per_exercise(session: Session, where: list[object]) -> dict[tuple[int, str], Done]:
    """Per (session, exercise): each set's reps done and seconds held by the core's one rule
    (`done_each_side`: per side), summed over the sets; and the partial reps."""
    owner = (ExerciseSet.session_id, ExerciseSet.exercise_id)
    stats = (
        select(*owner, SetStats.set_id, SetStats.side, SetStats.complete_reps)
        .add_columns(SetStats.partial_reps)
        .join(ExerciseSet, ExerciseSet.id == SetStats.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)  # type: ignore[arg-type]
    )
    holds = (
        select(*owner, Hold.set_id, Hold.side, func.sum(Hold.held_s), func.count())
        .join(ExerciseSet, ExerciseSet.id == Hold.set_id)
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(*where)  # type: ignore[arg-type]
        .group_by(*owner, Hold.set_id, Hold.side)
    )
    out: dict[tuple[int, str], Done] = defaultdict(Done)
    reps = _per_set(_core(session).execute(stats).all(), out)
    for key, per_side in reps.values():
        out[key].reps += int(done_each_side(per_side))
    for key, per_side in _per_set(_core(session).execute(holds).all(), None).values():
        out[key].held_s += done_each_side(per_side)
    return out


_SIDES = {side.value: side for side in Side}


def _per_set(
    rows: Iterable[Any], partial_into: dict[tuple[int, str], Done] | None
) -> dict[int, tuple[tuple[int, str], dict[Side, float]]]:
    """(session, exercise, set, side, amount, partial reps) rows as {set: ((session,
    exercise), {side: amount})}; the partial reps are added up in `partial_into`."""
    out: dict[int, tuple[tuple[int, str], dict[Side, float]]] = {}
    for session_id, exercise_id, set_id, side, amount, partial in rows:
        key = (session_id, exercise_id)
        out.setdefault(set_id, (key, {}))[1][_SIDES[side]] = amount or 0
        if partial_into is not None:
            partial_into[key].partial_reps += partial
    return out


def _volume_point(
    session_id: int,
    started_at: dt.datetime,
    exercise_id: str,
    sets_done: int,
    sets_p: int | None,
    reps_p: int | None,
    hold_p: float | None,
    done: Done,
) -> VolumePoint:
    return VolumePoint(
        session_id=session_id,
        started_at=_aware(started_at),
        exercise_id=exercise_id,
        sets_done=sets_done,
        reps_done=done.reps,
        partial_reps=done.partial_reps,
        hold_s_done=float(done.held_s),
        sets_prescribed=sets_p,
        reps_prescribed=sets_p * reps_p if sets_p and reps_p else None,
        hold_s_prescribed=sets_p * hold_p if sets_p and hold_p else None,
    )


def form_issues_over_time(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[FormIssueCount]:
    """How often each form rule was broken, per session and exercise."""
    _open(session, actor, patient_id, "form_issues")
    return _form_counts(session, patient_id, Window(since, until))


def _form_counts(session: Session, patient_id: int, window: Window) -> list[FormIssueCount]:
    rows = (
        _core(session)
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
            .where(ExerciseSession.patient_id == patient_id, *window.on(ExerciseSession.started_at))  # type: ignore[arg-type]
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
        FormIssueCount(sid, _aware(started), exercise, rule, severity, cue, count)
        for sid, started, exercise, rule, severity, cue, count in rows
    ]


def pain_and_effort(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[CheckInPoint]:
    """Check-ins (pain before/after, effort, comment), oldest first."""
    _open(session, actor, patient_id, "check_ins")
    return _check_ins(session, patient_id, Window(since, until))


def _check_ins(session: Session, patient_id: int, window: Window) -> list[CheckInPoint]:
    rows = session.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient_id, *window.on(CheckIn.recorded_at))  # type: ignore[arg-type]
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ).all()
    return [
        CheckInPoint(
            c.session_id, c.recorded_at, c.pain_before, c.pain_after, c.effort_rpe, c.comment
        )
        for c in rows
    ]


def weekly_adherence(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[WeekAdherence]:
    """Sessions done vs prescribed, week by week (Mondays, UTC)."""
    _open(session, actor, patient_id, "adherence")
    return _weekly(session, patient_id, Window(since, until))


def _weekly(session: Session, patient_id: int, window: Window) -> list[WeekAdherence]:
    programs = _programs(session, [patient_id]).get(patient_id, [])
    rows = (
        _core(session)
        .execute(
            select(ExerciseSession.started_at, ExerciseSession.status).where(
                ExerciseSession.patient_id == patient_id,
                *window.on(ExerciseSession.started_at),  # type: ignore[arg-type]
            )
        )
        .all()
    )
    first_days = [p.start_date for p in programs] + [s.date() for s, _ in rows]
    if window.since is not None:
        first_days = [max(d, window.since.date()) for d in first_days]
    if not first_days:
        return []
    last_day = (window.until or utc_now()).date() - dt.timedelta(days=1 if window.until else 0)
    done: dict[dt.date, list[str]] = defaultdict(list)
    for started, status in rows:
        done[_monday(started.date())].append(status)
    weeks = []
    monday = _monday(min(first_days))
    while monday <= last_day:
        statuses = done.get(monday, [])
        weeks.append(
            WeekAdherence(
                week_start=monday,
                sessions_done=sum(s in DONE for s in statuses),
                sessions_interrupted=statuses.count(SessionStatus.INTERRUPTED.value),
                sessions_prescribed=_prescribed_in_week(programs, monday),
            )
        )
        monday += dt.timedelta(days=7)
    return weeks


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _prescribed_in_week(programs: Iterable[Program], monday: dt.date) -> int:
    """Sessions prescribed that week, prorated by the days a program was active in it."""
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    total = 0.0
    for program in programs:
        active = sum(program.active_on(day) for day in days)
        total += program.sessions_per_week * active / 7
    return round(total)


# -- one session, one report ---------------------------------------------------------------


def session_detail(session: Session, actor: Actor, session_id: int) -> SessionDetail:
    """One session with every set, rep (as RepResult), hold and form issue."""
    row = session.get(ExerciseSession, session_id)
    if row is None:
        raise NotFound(f"no session #{session_id}")
    check_patient_access(session, actor, row.patient_id)
    audit(session, actor, AuditAction.READ, "session", row.patient_id, session_id)
    sets = session.scalars(
        select(ExerciseSet)
        .where(ExerciseSet.session_id == session_id)
        .options(
            selectinload(ExerciseSet.reps).selectinload(Rep.form_issues),
            selectinload(ExerciseSet.holds).selectinload(Hold.form_issues),
        )
        .order_by(ExerciseSet.id)
    ).all()
    (summary,) = _session_summaries(session, row.patient_id, Window(), session_id)
    return SessionDetail(
        summary=summary,
        patient_id=row.patient_id,
        sets=tuple(
            SetDetail(
                set_id=s.id,
                exercise_id=s.exercise_id,
                set_index=s.set_index,
                side=Side(s.side),
                started_at=s.started_at,
                ended_at=s.ended_at,
                reps=tuple(rep_result(r) for r in s.reps),
                holds=tuple(hold_result(h) for h in s.holds),
                figures=SetFigures.from_json(s.extra or {}),
                warnings=tuple(s.warnings or ()),
            )
            for s in sets
        ),
    )


def report_data(
    session: Session,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime | None = None,
) -> ReportData:
    """Everything for a progress report over [since, until) (one audit entry)."""
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
    return ReportData(
        patient=_detail(session, patient),
        since=since,
        until=until,
        sessions=tuple(_session_summaries(session, patient_id, window)),
        rom=tuple(_rom_points(session, patient_id, window)),
        volume=tuple(_volume_points(session, patient_id, window)),
        form_issues=tuple(_form_counts(session, patient_id, window)),
        check_ins=tuple(_check_ins(session, patient_id, window)),
        adherence=tuple(_weekly(session, patient_id, window)),
        alerts=tuple(_alerts(session, patient_id, now or until, DEFAULT_RULES)),
    )
