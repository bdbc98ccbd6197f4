"""Queries for the dashboard and the reports, and the alert rules, on real stored sessions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from rehab.core.results import HoldResult, SetResult, Side
from rehab.errors import AccessDenied
from rehab.store import AlertKind, AlertSeverity, Database, SessionRecorder, queries
from rehab.store.alerts import (
    DEFAULT_RULES,
    PainFact,
    RomFact,
    inactivity_alert,
    pain_alert,
    rom_alert,
)
from rehab.store.models import Prescription
from rehab.store.testing import T0, Clinic, cue, make_rep, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

DAY = dt.timedelta(days=1)


def record(
    db: Database,
    clinic: Clinic,
    at: dt.datetime,
    roms: list[float],
    *,
    patient: int = 0,
    pain: tuple[int, int] | None = None,
    right_roms: list[float] | None = None,
    item: int | None = None,
) -> int:
    """A completed session at `at`: one set of knee extensions with these ROMs (left side)."""
    recorder = SessionRecorder.start(
        db, clinic.pat_users[patient], clinic.patients[patient], clock=lambda: at
    )
    recorder.begin_set("knee_extension", Side.LEFT, prescription_item_id=item)
    for n, rom in enumerate(roms, start=1):
        recorder.record_rep(make_rep(n, rom_deg=rom, issues=(cue(),) if n == 1 else ()))
    for n, rom in enumerate(right_roms or [], start=1):
        recorder.record_rep(make_rep(n, rom_deg=rom, side=Side.RIGHT))
    recorder.record_rep(make_rep(0, rom_deg=20.0, complete=False))
    recorder.end_set()
    if pain is not None:
        recorder.check_in(pain_before=pain[0], pain_after=pain[1], effort_rpe=5)
    recorder.finish()
    return recorder.session_id


def item_ids(db: Database, prescription_id: int) -> list[int]:
    with sql_session(db) as s:
        prescription = s.get(Prescription, prescription_id)
        assert prescription is not None
        return [item.id for item in prescription.items]


# -- pure alert rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "latest", "expected"),
    [
        (3, 7, AlertSeverity.CRITICAL),
        (6, 7, AlertSeverity.CRITICAL),
        (2, 4, AlertSeverity.HIGH),
        (4, 5, AlertSeverity.LOW),
        (3, 4, None),  # up 1 but under 5
        (6, 6, None),  # 6 and steady
        (None, 5, None),
    ],
)
def test_pain_rules(previous: int | None, latest: int, expected: AlertSeverity | None) -> None:
    before = PainFact(T0 - DAY, previous) if previous is not None else None
    alert = pain_alert(1, PainFact(T0, latest), before, DEFAULT_RULES)
    assert (alert.severity if alert else None) == expected


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (dt.timedelta(hours=48), None),
        (dt.timedelta(hours=49), AlertSeverity.LOW),
        (dt.timedelta(days=13), AlertSeverity.LOW),
        (dt.timedelta(days=14), AlertSeverity.HIGH),
    ],
)
def test_inactivity_rules(idle: dt.timedelta, expected: AlertSeverity | None) -> None:
    alert = inactivity_alert(1, T0 - idle, T0 - 30 * DAY, T0, DEFAULT_RULES)
    assert (alert.severity if alert else None) == expected


@pytest.mark.parametrize(
    ("before", "recent", "expected"),
    [
        (80.0, 75.0, None),
        (80.0, 72.0, AlertSeverity.HIGH),
        (80.0, 64.0, AlertSeverity.CRITICAL),
        (80.0, 95.0, None),
        (80.0, math.nan, None),
    ],
)
def test_rom_rules(before: float, recent: float, expected: AlertSeverity | None) -> None:
    alert = rom_alert(1, RomFact("knee_extension", "left", recent, before), T0, DEFAULT_RULES)
    assert (alert.severity if alert else None) == expected


# -- queries on stored sessions ---------------------------------------------------------------


def test_rom_progress_against_target(db: Database, clinic: Clinic) -> None:
    knee_item = item_ids(db, clinic.programs[0])[0]
    record(db, clinic, T0, [60.0, 70.0, 80.0], item=knee_item)
    record(db, clinic, T0 + 2 * DAY, [80.0, 90.0], right_roms=[50.0], item=knee_item)
    with db.transaction() as tx:
        points = queries.rom_progress(tx, clinic.ther_a, clinic.patients[0])
    assert [(p.side, p.reps, p.mean_rom_deg, p.max_rom_deg) for p in points] == [
        (Side.LEFT, 3, 70.0, 80.0),
        (Side.LEFT, 2, 85.0, 90.0),
        (Side.RIGHT, 1, 50.0, 50.0),
    ]
    assert [p.target_rom_deg for p in points] == [80.0, 80.0, 80.0]
    assert [p.target_reached for p in points] == [True, True, False]
    assert points[0].mean_confidence == pytest.approx(0.875)
    with db.transaction() as tx:
        later = queries.rom_progress(tx, clinic.ther_a, clinic.patients[0], since=T0 + DAY)
    assert len(later) == 2


def test_volume_against_prescription(db: Database, clinic: Clinic) -> None:
    knee_item, sit_item = item_ids(db, clinic.programs[0])
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: T0)
    for _ in range(2):  # two sets, both sides, 10 left and 9 right: 9 done per side
        recorder.begin_set("knee_extension", Side.BOTH, knee_item)
        for n in range(1, 11):
            recorder.record_rep(make_rep(n, side=Side.LEFT))
            if n < 10:
                recorder.record_rep(make_rep(n, side=Side.RIGHT))
        recorder.record_rep(make_rep(0, complete=False))
        recorder.end_set()
    recorder.begin_set("wall_sit", Side.BOTH, sit_item)
    recorder.record_hold(HoldResult("wall_sit", Side.BOTH, 0.0, 18000.0, 17.5, 92.0, False, 0.9))
    recorder.end_set()
    recorder.finish()
    with db.transaction() as tx:
        knee, sit = queries.volume_progress(tx, clinic.ther_a, clinic.patients[0])
    assert (knee.sets_done, knee.reps_done, knee.partial_reps) == (2, 18, 2)
    assert (knee.sets_prescribed, knee.reps_prescribed, knee.hold_s_prescribed) == (3, 30, None)
    assert (sit.sets_done, sit.hold_s_done, sit.hold_s_prescribed) == (1, 17.5, 40.0)


@pytest.mark.parametrize(
    "reps",
    [
        {Side.LEFT: 3, Side.RIGHT: 2},  # an alternating set: 2 done per side
        {Side.BOTH: 2, Side.LEFT: 1, Side.RIGHT: 2},  # both arms, then the arms in turn
        {Side.BOTH: 4},
    ],
)
def test_stored_sets_count_reps_done_like_the_engine(
    db: Database, clinic: Clinic, reps: dict[Side, int]
) -> None:
    """The store's volume applies the core's rule (`done_each_side`) to the stored reps and
    holds: a set read back counts what SetResult.reps_done / held_done_s count."""
    done = tuple(
        make_rep(n, side=side) for side, count in reps.items() for n in range(1, count + 1)
    )
    hold = HoldResult("single_leg_stance", Side.LEFT, 0.0, 21000.0, 20.0, 30.0, True, 0.9)
    holds = (hold, dataclasses.replace(hold, side=Side.RIGHT, held_s=15.0))
    sets = [SetResult("knee_extension", reps=done), SetResult("single_leg_stance", holds=holds)]
    with SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0]) as recorder:
        for result in sets:
            recorder.record_set(result)
    with db.transaction() as tx:
        knee, stance = queries.volume_progress(tx, clinic.ther_a, clinic.patients[0])
    assert knee.reps_done == sets[0].reps_done and knee.partial_reps == 0
    assert stance.hold_s_done == sets[1].held_done_s == 15.0


def test_sessions_form_issues_and_pain(db: Database, clinic: Clinic) -> None:
    first = record(db, clinic, T0, [70.0, 75.0], pain=(2, 3))
    second = record(db, clinic, T0 + DAY, [75.0], pain=(3, 5))
    with db.transaction() as tx:
        sessions = queries.list_sessions(tx, clinic.ther_a, clinic.patients[0])
        issues = queries.form_issues_over_time(tx, clinic.ther_a, clinic.patients[0])
        pains = queries.pain_and_effort(tx, clinic.pat_users[0], clinic.patients[0])
    assert [(x.session_id, x.complete_reps, x.partial_reps, x.sets) for x in sessions] == [
        (first, 2, 1, 1),
        (second, 1, 1, 1),
    ]
    assert (sessions[1].pain_before, sessions[1].pain_after, sessions[1].effort_rpe) == (3, 5, 5)
    assert [(i.session_id, i.rule_id, i.count) for i in issues] == [
        (first, "trunk_lean", 1),
        (second, "trunk_lean", 1),
    ]
    assert [(p.pain_before, p.pain_after) for p in pains] == [(2, 3), (3, 5)]


def test_weekly_adherence(db: Database, clinic: Clinic) -> None:
    for day in (0, 2, 4, 7):  # three sessions in T0's week, one the week after
        record(db, clinic, T0 + day * DAY, [70.0])
    with db.transaction() as tx:
        weeks = queries.weekly_adherence(
            tx, clinic.ther_a, clinic.patients[0], since=T0, until=T0 + 14 * DAY
        )
    assert [(w.week_start, w.sessions_done, w.sessions_prescribed) for w in weeks] == [
        (T0.date(), 3, 3),
        (T0.date() + 7 * DAY, 1, 3),
    ]


def test_patient_list_adherence_activity_and_alerts(db: Database, clinic: Clinic) -> None:
    # patient 0: two good weeks then ROM falls and pain flares
    for day in (0, 2, 4):
        record(db, clinic, T0 + day * DAY, [80.0, 80.0], pain=(2, 2))
    for day in (7, 9, 11):
        record(db, clinic, T0 + day * DAY, [60.0, 62.0], pain=(3, 3))
    record(db, clinic, T0 + 12 * DAY, [61.0], pain=(3, 7))
    # patient 1: one session long ago
    record(db, clinic, T0 - 10 * DAY, [70.0], patient=1)
    now = T0 + 13 * DAY
    with db.transaction() as tx:
        rows = {p.patient_id: p for p in queries.list_patients(tx, clinic.ther_a, now=now)}
        alerts = queries.patient_alerts(tx, clinic.ther_a, clinic.patients[0], now=now)
    busy, idle = rows[clinic.patients[0]], rows[clinic.patients[1]]
    assert busy.sessions_last_7d == 4 and busy.sessions_per_week == 3
    assert busy.last_activity_at == T0 + 12 * DAY
    # 3 due a week over 4 weeks; credited 0, 0, 3 and 3 (4 done, capped at the 3 due)
    assert busy.adherence_28d == pytest.approx(6 / 12)
    kinds = [(a.kind, a.severity) for a in busy.alerts]
    assert [k[1] for k in kinds] == sorted((k[1] for k in kinds), key=lambda v: -v.rank)
    assert (AlertKind.PAIN, AlertSeverity.CRITICAL) in kinds  # pain 7/10
    assert (AlertKind.ROM_FALLING, AlertSeverity.CRITICAL) in kinds  # 80 -> 61: down 24%
    assert [(a.kind, a.severity) for a in alerts] == kinds
    assert busy.top_alert is not None and busy.top_alert.severity is AlertSeverity.CRITICAL
    idle_kinds = {(a.kind, a.severity) for a in idle.alerts}
    assert (AlertKind.INACTIVE, AlertSeverity.HIGH) in idle_kinds  # 23 days: stalled
    assert (AlertKind.LOW_ADHERENCE, AlertSeverity.LOW) in idle_kinds


def test_pain_up_two_points_is_high(db: Database, clinic: Clinic) -> None:
    record(db, clinic, T0, [80.0], pain=(2, 2))
    record(db, clinic, T0 + DAY, [80.0], pain=(2, 4))
    with db.transaction() as tx:
        alerts = queries.patient_alerts(tx, clinic.ther_a, clinic.patients[0], now=T0 + DAY)
    assert [(a.kind, a.severity) for a in alerts] == [(AlertKind.PAIN, AlertSeverity.HIGH)]


def test_report_data_covers_the_window(db: Database, clinic: Clinic) -> None:
    for day in range(0, 21, 2):
        record(db, clinic, T0 + day * DAY, [70.0 + day], pain=(2, 3))
    since, until = T0 + 7 * DAY, T0 + 14 * DAY
    with db.transaction() as tx:
        report = queries.report_data(tx, clinic.ther_a, clinic.patients[0], since, until)
    assert all(since <= x.started_at < until for x in report.sessions)
    assert len(report.sessions) == len(report.check_ins) == 3  # days 8, 10, 12
    assert [r.mean_rom_deg for r in report.rom] == [78.0, 80.0, 82.0]
    assert report.patient.name == "Patient 0" and report.patient.programs
    assert [w.week_start for w in report.adherence] == [since.date()]


def test_first_session_is_the_earliest_start_and_access_checked(
    db: Database, clinic: Clinic
) -> None:
    with db.transaction() as tx:
        assert queries.first_session_at(tx, clinic.ther_a, clinic.patients[0]) is None
    record(db, clinic, T0 + 3 * DAY, [70.0])
    record(db, clinic, T0 + DAY, [70.0])
    with db.transaction() as tx:
        assert queries.first_session_at(tx, clinic.ther_a, clinic.patients[0]) == T0 + DAY
        with pytest.raises(AccessDenied):
            queries.first_session_at(tx, clinic.ther_b, clinic.patients[0])
