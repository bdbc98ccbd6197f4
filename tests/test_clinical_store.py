"""The store's clinical rules (issue 13), on SQLite and PostgreSQL: the latest RECORDED pain,
adherence capped per week, sessions by source, the clinic's time zone (midnight, a DST
change), templates and progression, one-time sign-in codes, patients a therapist adds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rehab.clinic_time import TimeZoneError, day_start, local_day
from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import AccessDenied, StoreError
from rehab.store import (
    Database,
    ExercisePlan,
    PatientFields,
    add_patient,
    authenticate,
    clinic_settings,
    end_program,
    issue_sign_in_code,
    list_templates,
    queries,
    redeem_sign_in_code,
    save_program_as_template,
    set_time_zone,
    start_from_template,
    update_patient,
)
from rehab.store.testing import T0, Clinic
from tests.clinical_seed import SKIPPED, item_of, live_session, new_program, uploaded_session

pytest_plugins = ["rehab.store.pytest_plugin"]

DAY = dt.timedelta(days=1)
MADRID = "Europe/Madrid"


# -- 1. the latest recorded pain --------------------------------------------------------------


def test_a_skipped_check_in_is_not_a_pain_of_zero(db: Database, clinic: Clinic) -> None:
    pid, who = clinic.patients[0], clinic.pat_users[0]
    live_session(db, who, pid, T0, [70.0], check_in=(5, 7, 6))
    live_session(db, who, pid, T0 + DAY, [70.0], check_in=SKIPPED)
    live_session(db, who, pid, T0 + 2 * DAY, [70.0], check_in=(None, None, 4))  # effort only
    now = T0 + 3 * DAY
    with db.transaction() as tx:
        (row,) = [
            p for p in queries.list_patients(tx, clinic.ther_a, now=now) if p.patient_id == pid
        ]
        pains = queries.latest_pains(tx, clinic.ther_a, now=now)
        sessions = queries.list_sessions(tx, clinic.ther_a, pid)
        points = queries.pain_and_effort(tx, clinic.ther_a, pid)
    assert row.latest_pain is not None and row.latest_pain.pain == 7
    assert pains[pid] == 7  # the same facts as the alerts
    assert not row.last_check_in_skipped  # the newest check-in gave an effort
    assert any(a.message == "pain 7/10" for a in row.alerts)
    assert [s.check_in_skipped for s in sessions] == [False, True, False]
    assert [p.skipped for p in points] == [False, True, False]
    assert all(p.pain_after is None for p in points[1:])  # never a default 0


# -- 3. adherence ------------------------------------------------------------------------------


def test_adherence_counts_prescribed_sessions_capped_per_week(db: Database, clinic: Clinic) -> None:
    pid, who = clinic.patients[1], clinic.pat_users[1]
    monday = T0  # 3 a week since T0 - 28 days
    for day in (0, 0, 1, 2, 3):  # five sessions in one week: 3 credited
        live_session(db, who, pid, monday + day * DAY, [70.0])
    uploaded_session(db, clinic.ther_a, pid, monday + 4 * DAY, "shoulder_flexion", [90.0])
    with db.transaction() as tx:
        weeks = queries.weekly_adherence(tx, clinic.ther_a, pid, monday, monday + 7 * DAY)
    (week,) = weeks
    assert week.sessions_done == 6 and week.prescribed_done == 5
    assert week.sessions_prescribed == 3 and week.credited == 3
    assert dict(week.by_source) == {"live": 5, "upload": 1}
    assert queries.adherence_ratio(weeks) == 1.0


def test_a_program_started_today_is_never_above_100_percent(db: Database, clinic: Clinic) -> None:
    pid, who = clinic.patients[1], clinic.pat_users[1]
    start = T0.date() + 60 * DAY
    plans = [ExercisePlan("knee_extension", sets=1, reps=10, side=Side.LEFT)]
    new_program(db, clinic.ther_a, pid, plans, start)
    at = dt.datetime.combine(start, dt.time(10), dt.UTC)
    live_session(db, who, pid, at, [70.0])
    with db.transaction() as tx:
        (row,) = [
            p
            for p in queries.list_patients(tx, clinic.ther_a, now=at + dt.timedelta(hours=2))
            if p.patient_id == pid
        ]
    assert row.adherence_28d is not None and 0 < row.adherence_28d <= 1.0
    assert row.sessions_last_7d == 1


def test_an_upload_is_dated_and_timed_by_its_recording(db: Database, clinic: Clinic) -> None:
    pid = clinic.patients[1]
    recorded = T0 + 5 * DAY + dt.timedelta(hours=3)
    item = item_of(db, clinic.ther_a, pid, "knee_extension")
    sid = uploaded_session(
        db, clinic.ther_a, pid, recorded, "knee_extension", [70.0], duration_s=42.0, item_id=item
    )
    with db.transaction() as tx:
        (summary,) = [
            s for s in queries.list_sessions(tx, clinic.ther_a, pid) if s.session_id == sid
        ]
    assert summary.started_at == recorded
    assert summary.ended_at is not None
    assert (summary.ended_at - summary.started_at).total_seconds() == pytest.approx(42.0)


# -- 9. the clinic's time zone -----------------------------------------------------------------


def test_the_time_zone_is_an_admin_setting_checked_against_the_tz_database(
    db: Database, clinic: Clinic
) -> None:
    with db.transaction() as tx:
        assert clinic_settings(tx).time_zone == "UTC"
        with pytest.raises(AccessDenied):
            set_time_zone(tx, clinic.ther_a, MADRID)
        with pytest.raises(TimeZoneError, match="Europe/Madrid"):
            set_time_zone(tx, clinic.admin, "Europe/Madird")
        set_time_zone(tx, clinic.admin, MADRID)
    with db.transaction() as tx:
        assert clinic_settings(tx).zone == ZoneInfo(MADRID)


def test_a_session_just_after_local_midnight_belongs_to_the_local_week(
    db: Database, clinic: Clinic
) -> None:
    """Sunday 29 March 2026 23:30 UTC is Monday 30 March 01:30 in Madrid (the clocks went
    forward that Sunday at 01:00 UTC): in UTC the session is in the week of 23 March, in
    the clinic's time in the week of 30 March."""
    pid, who = clinic.patients[1], clinic.pat_users[1]
    at = dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC)
    live_session(db, who, pid, at, [70.0])
    since, until = (
        dt.datetime(2026, 3, 22, 22, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 5, 22, tzinfo=dt.UTC),
    )

    def weeks() -> list[tuple[dt.date, int]]:
        with db.transaction() as tx:
            found = queries.weekly_adherence(tx, clinic.ther_a, pid, since, until)
        return [(w.week_start, w.sessions_done) for w in found if w.sessions_done]

    assert weeks() == [(dt.date(2026, 3, 23), 1)]  # UTC
    with db.transaction() as tx:
        set_time_zone(tx, clinic.admin, MADRID)
    assert weeks() == [(dt.date(2026, 3, 30), 1)]  # Madrid


def test_local_days_around_a_dst_change_are_23_and_25_hours() -> None:
    zone = ZoneInfo(MADRID)
    spring = day_start(dt.date(2026, 3, 30), zone) - day_start(dt.date(2026, 3, 29), zone)
    autumn = day_start(dt.date(2026, 10, 26), zone) - day_start(dt.date(2026, 10, 25), zone)
    assert spring == dt.timedelta(hours=23) and autumn == dt.timedelta(hours=25)
    assert local_day(dt.datetime(2026, 10, 25, 22, 59, tzinfo=dt.UTC), zone) == dt.date(
        2026, 10, 25
    )
    assert local_day(dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC), zone) == dt.date(2026, 10, 26)


def test_today_and_the_program_are_the_clinic_s(db: Database, clinic: Clinic) -> None:
    """At 23:30 UTC on the eve of a new program, Madrid is already on its first day: the
    patient list shows the new program there, the old one in UTC."""
    pid = clinic.patients[1]
    start = dt.date(2026, 6, 1)
    with db.transaction() as tx:
        old = queries.patient_detail(tx, clinic.ther_a, pid).programs[0]
        end_program(tx, clinic.ther_a, old.prescription_id, start - DAY)
    new_program(db, clinic.ther_a, pid, [ExercisePlan("squat", sets=1, reps=5)], start, per_week=2)
    eve = dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC)

    def per_week() -> int | None:
        with db.transaction() as tx:
            rows = queries.list_patients(tx, clinic.ther_a, now=eve)
        return next(p.sessions_per_week for p in rows if p.patient_id == pid)

    assert per_week() == 3  # UTC: 31 May, the old program
    with db.transaction() as tx:
        set_time_zone(tx, clinic.admin, MADRID)
    assert per_week() == 2  # Madrid: 1 June, the new one


# -- 10. templates and progression -----------------------------------------------------------


def test_a_program_saved_as_a_template_starts_another_patient_on_their_side(
    db: Database, clinic: Clinic
) -> None:
    source, other = clinic.patients[0], clinic.patients[1]
    with db.transaction() as tx:
        update_patient(tx, clinic.admin, other, PatientFields("Patient 1", "knee OA", Side.RIGHT))
        program = queries.patient_detail(tx, clinic.ther_a, source).programs[0]
        template_id = save_program_as_template(tx, clinic.ther_a, program.prescription_id, "Knee A")
        (template,) = list_templates(tx, clinic.ther_b)  # the clinic's: every therapist sees it
        start = T0.date() + 7 * DAY
        start_from_template(tx, clinic.ther_a, other, template_id, start)
    assert template.name == "Knee A" and [i.side for i in template.items] == ["affected", "both"]
    with db.transaction() as tx:
        programs = queries.patient_detail(tx, clinic.ther_a, other).programs
    new, old = programs[0], programs[1]
    assert new.start_date == start and old.end_date == start - DAY
    assert [(i.exercise_id, i.side) for i in new.items] == [
        ("knee_extension", Side.RIGHT),
        ("wall_sit", Side.BOTH),
    ]


def test_progression_is_on_the_prescription_and_in_done_vs_prescribed(
    db: Database, clinic: Clinic
) -> None:
    pid, who = clinic.patients[1], clinic.pat_users[1]
    start = T0.date()
    plan = ExercisePlan(
        "knee_extension", sets=2, reps=10, target_rom_deg=60.0, side=Side.LEFT,
        reps_step=2, reps_up_to=14, rom_step_deg=5.0, rom_up_to_deg=70.0,
    )  # fmt: skip
    new_program(db, clinic.ther_a, pid, [plan], start)
    for week in (0, 1, 2, 5):
        live_session(db, who, pid, T0 + week * 7 * DAY, [65.0])
    with db.transaction() as tx:
        volume = queries.volume_progress(tx, clinic.ther_a, pid, since=T0)
        rom = queries.rom_progress(tx, clinic.ther_a, pid, since=T0)
        (item,) = queries.patient_detail(tx, clinic.ther_a, pid).programs[0].items
    assert [v.reps_prescribed for v in volume] == [20, 24, 28, 28]  # 2 sets x 10, 12, 14, 14
    assert [r.target_rom_deg for r in rom] == [60.0, 65.0, 70.0, 70.0]
    assert item.reps_on(start, start + 8 * DAY) == 12 and item.target_on(start, start) == 60.0


def test_a_progression_without_a_base_is_refused(db: Database, clinic: Clinic) -> None:
    bad = ExercisePlan("wall_sit", sets=1, hold_s=20.0, reps_step=2)
    with pytest.raises(StoreError, match="reps progression"):
        new_program(db, clinic.ther_a, clinic.patients[1], [bad], T0.date())


# -- 8. a therapist adds patients; one-time sign-in codes -------------------------------------


def test_a_therapist_adds_a_patient_with_a_code_that_works_once(
    db: Database, clinic: Clinic
) -> None:
    fields = PatientFields("Rosa Diaz", "rotator cuff repair", Side.RIGHT)
    with db.transaction() as tx:
        added = add_patient(tx, clinic.ther_a, "rosa", fields)
        mine = {p.patient_id for p in queries.list_patients(tx, clinic.ther_a)}
    assert added.patient_id in mine and added.sign_in_code is not None
    with db.transaction() as tx, pytest.raises(AccessDenied):
        authenticate(tx, "rosa", added.sign_in_code)  # a code is not a password
    with db.transaction() as tx:
        actor = redeem_sign_in_code(tx, "rosa", added.sign_in_code.lower(), "rosa-own-pass-1")
    assert actor.role is Role.PATIENT
    with db.transaction() as tx:
        assert authenticate(tx, "rosa", "rosa-own-pass-1") == actor
    with db.transaction() as tx, pytest.raises(AccessDenied):
        redeem_sign_in_code(tx, "rosa", added.sign_in_code, "another-pass-2")


def test_a_code_expires_and_a_new_one_withdraws_the_old(db: Database, clinic: Clinic) -> None:
    pid = clinic.patients[0]
    with db.transaction() as tx:
        first = issue_sign_in_code(tx, clinic.ther_a, pid, now=T0)
        second = issue_sign_in_code(tx, clinic.ther_a, pid, now=T0)
    with db.transaction() as tx, pytest.raises(AccessDenied):
        redeem_sign_in_code(tx, "pat0", first, "pat0-new-pass", now=T0 + DAY)
    with db.transaction() as tx, pytest.raises(AccessDenied):
        redeem_sign_in_code(tx, "pat0", second, "pat0-new-pass", now=T0 + 15 * DAY)
    with db.transaction() as tx:
        redeem_sign_in_code(tx, "pat0", second, "pat0-new-pass", now=T0 + 13 * DAY)


def test_code_guesses_are_throttled_and_the_password_rules_apply(
    db: Database, clinic: Clinic
) -> None:
    """A sign-in code is a short secret: guesses count like wrong passwords (per account and
    client), and the password chosen with it follows the same rules."""
    from rehab.errors import SignInThrottled, StoreError
    from rehab.store import sign_in_with_code

    fields = PatientFields("Rosa Diaz", "rotator cuff repair", Side.RIGHT)
    with db.transaction() as tx:
        code = add_patient(tx, clinic.ther_a, "rosa", fields).sign_in_code
    assert code is not None
    with pytest.raises(StoreError, match="password"):
        sign_in_with_code(db, "Rosa", code, "short", "198.51.100.1")  # any case: one account
    refusals: list[type[Exception]] = []
    for _ in range(12):
        try:
            sign_in_with_code(db, "rosa", "WRONG-CODE-00", "rosa-own-pass-1", "198.51.100.1")
        except (AccessDenied, SignInThrottled) as exc:
            refusals.append(type(exc))
    assert refusals[0] is AccessDenied and refusals[-1] is SignInThrottled
    with pytest.raises(SignInThrottled):  # the right code waits too while blocked
        sign_in_with_code(db, "rosa", code, "rosa-own-pass-1", "198.51.100.1")


def test_a_therapist_edits_only_their_own_patients(db: Database, clinic: Clinic) -> None:
    fields = PatientFields("Patient 2", "hip OA", Side.LEFT)
    with db.transaction() as tx, pytest.raises(AccessDenied):
        update_patient(tx, clinic.ther_a, clinic.patients[2], fields)  # therapist B's
    with db.transaction() as tx, pytest.raises(AccessDenied):
        issue_sign_in_code(tx, clinic.ther_a, clinic.patients[2])
    with db.transaction() as tx:
        update_patient(tx, clinic.ther_b, clinic.patients[2], fields)
        detail = queries.patient_detail(tx, clinic.ther_b, clinic.patients[2])
    assert (detail.condition, detail.affected_side) == ("hip OA", Side.LEFT)
