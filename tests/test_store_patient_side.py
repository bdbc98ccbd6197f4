"""The store for the patient's side: the clinic's notes kept from patients, the patient's
language, days logged by hand (self-reported), skipped check-ins, the patient's home query,
and the migration that brings them (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from rehab.core.results import Side
from rehab.domain import SessionSource
from rehab.errors import AccessDenied, StoreError
from rehab.store import (
    CheckInValues,
    Database,
    ExercisePlan,
    LoggedExercise,
    SessionRecorder,
    log_manual_session,
    prescribe,
    set_patient_language,
)
from rehab.store.database import create_db_engine
from rehab.store.migrate import downgrade_database, upgrade_database
from rehab.store.models import AuditEntry
from rehab.store.queries import (
    list_sessions,
    pain_and_effort,
    patient_detail,
    patient_home,
    report_data,
    rom_progress,
    volume_progress,
    weekly_adherence,
)
from rehab.store.testing import T0, Clinic, make_rep, raw

pytest_plugins = ["rehab.store.pytest_plugin"]

NOW = T0 + dt.timedelta(days=2)  # a Wednesday
CLINICAL, TO_PATIENT = "clinic only: query graft", "Ice after the exercises."


def _program(db: Database, clinic: Clinic) -> int:
    with db.transaction() as tx:
        return prescribe(
            tx, clinic.ther_a, clinic.patients[0], "Knee",
            [ExercisePlan("knee_extension", 3, reps=10, side=Side.LEFT),
             ExercisePlan("wall_sit", 2, hold_s=20.0)],
            3, T0.date(), clinical_notes=CLINICAL, patient_notes=TO_PATIENT,
        )  # fmt: skip


def _items(db: Database, clinic: Clinic, program_id: int) -> dict[str, int]:
    with db.transaction() as tx:
        programs = patient_detail(tx, clinic.ther_a, clinic.patients[0]).programs
    (program,) = [p for p in programs if p.prescription_id == program_id]
    return {i.exercise_id: i.item_id for i in program.items}


# -- notes -------------------------------------------------------------------------------------


def test_the_clinic_sees_both_notes_and_the_patient_only_theirs(
    db: Database, clinic: Clinic
) -> None:
    program_id = _program(db, clinic)
    pid = clinic.patients[0]
    with db.transaction() as tx:
        raw(tx).execute(text("UPDATE patients SET notes = 'record note' WHERE id = :p"), {"p": pid})
    with db.transaction() as tx:
        clinic_view = patient_detail(tx, clinic.ther_a, pid)
        own_view = patient_detail(tx, clinic.pat_users[0], pid)
        report = report_data(tx, clinic.pat_users[0], pid, T0, NOW)
        home = patient_home(tx, clinic.pat_users[0], pid, NOW.date(), T0.date())
    mine = next(p for p in clinic_view.programs if p.prescription_id == program_id)
    assert (mine.clinical_notes, mine.patient_notes) == (CLINICAL, TO_PATIENT)
    assert clinic_view.notes == "record note"
    assert own_view.notes == "" and report.patient.notes == ""
    for program in (*own_view.programs, *report.patient.programs):
        assert program.clinical_notes == ""
    assert next(p for p in own_view.programs if p.prescription_id == program_id).patient_notes == (
        TO_PATIENT
    )
    assert home.program is not None and home.program.note == TO_PATIENT
    assert not hasattr(home.program, "clinical_notes")


# -- language ----------------------------------------------------------------------------------


def test_the_language_is_set_by_the_patient_their_therapist_or_an_admin(
    db: Database, clinic: Clinic
) -> None:
    pid = clinic.patients[0]
    for who, language in ((clinic.pat_users[0], "es"), (clinic.ther_a, "en"), (clinic.admin, "es")):
        with db.transaction() as tx:
            set_patient_language(tx, who, pid, language)
        with db.transaction() as tx:
            assert patient_detail(tx, clinic.admin, pid).language == language
    for stranger in (clinic.pat_users[1], clinic.ther_b):
        with pytest.raises(AccessDenied), db.transaction() as tx:
            set_patient_language(tx, stranger, pid, "en")
    with pytest.raises(StoreError, match="unsupported language 'fr'"), db.transaction() as tx:
        set_patient_language(tx, clinic.ther_a, pid, "fr")
    with db.transaction() as tx:
        changes = raw(tx).query(AuditEntry).filter_by(resource="patient_language").count()
    assert changes == 3


# -- days logged by hand -----------------------------------------------------------------------


def test_a_logged_day_counts_as_a_self_reported_session(db: Database, clinic: Clinic) -> None:
    program_id = _program(db, clinic)
    items, pid, me = _items(db, clinic, program_id), clinic.patients[0], clinic.pat_users[0]
    with SessionRecorder.start(db, me, pid, clock=lambda: T0) as rec:  # a camera session
        rec.begin_set("knee_extension", Side.LEFT, items["knee_extension"])
        for n in range(1, 6):
            rec.record_rep(make_rep(n, rom_deg=70.0))
        rec.end_set()
    logged = [
        LoggedExercise("knee_extension", 3, reps=8, side=Side.LEFT,
                       prescription_item_id=items["knee_extension"]),
        LoggedExercise("wall_sit", 2, hold_s=15.0, prescription_item_id=items["wall_sit"]),
    ]  # fmt: skip
    at = T0 + dt.timedelta(days=1, hours=3)
    with db.transaction() as tx:
        session_id = log_manual_session(
            tx, me, pid, at, logged, CheckInValues(pain_after=4), program_id, now=NOW
        )
    with db.transaction() as tx:
        sessions = list_sessions(tx, clinic.ther_a, pid)
        volume = volume_progress(tx, clinic.ther_a, pid)
        rom = rom_progress(tx, clinic.ther_a, pid)
        weeks = weekly_adherence(tx, clinic.ther_a, pid, T0, NOW)
        home = patient_home(tx, me, pid, at.date(), T0.date())
    manual = sessions[-1]
    assert (manual.session_id, manual.source, manual.self_reported) == (session_id, "manual", True)
    assert (manual.status, manual.sets, manual.complete_reps, manual.pain_after) == (
        "completed", 5, 24, 4,
    )  # fmt: skip
    assert not sessions[0].self_reported
    by_exercise = {(v.session_id, v.exercise_id): v for v in volume}
    assert by_exercise[(session_id, "knee_extension")].reps_done == 24
    assert by_exercise[(session_id, "wall_sit")].hold_s_done == 30.0
    assert {p.session_id for p in rom} == {sessions[0].session_id}  # nothing measured by hand
    assert (weeks[0].sessions_done, weeks[0].sessions_self_reported) == (2, 1)
    assert [s.source for s in home.sessions] == [SessionSource.LIVE, SessionSource.MANUAL]
    assert home.sets_on_day == {items["knee_extension"]: 3, items["wall_sit"]: 2}
    assert home.first_done_at == T0
    with db.transaction() as tx:  # months later, nothing in the weeks read: not a new patient
        later = patient_home(tx, me, pid, NOW.date() + dt.timedelta(weeks=40), NOW.date())
    assert later.sessions == () and later.first_done_at == T0


@pytest.mark.parametrize(
    ("logged", "message"),
    [
        ([], "log at least one exercise"),
        ([LoggedExercise("squat", 0, reps=5)], "sets done must be 1-20"),
        ([LoggedExercise("squat", 2, reps=5, hold_s=3.0)], "not both"),
        ([LoggedExercise("squat", 2)], "give the reps in each set or the seconds held"),
        ([LoggedExercise("squat", 2, reps=301)], "reps in a set must be 0-300"),
        ([LoggedExercise("plank", 2, hold_s=float("nan"))], "seconds held must be"),
    ],
)
def test_a_bad_log_is_refused_with_what_is_wrong(
    db: Database, clinic: Clinic, logged: list[LoggedExercise], message: str
) -> None:
    with pytest.raises(StoreError, match=message), db.transaction() as tx:
        log_manual_session(tx, clinic.pat_users[0], clinic.patients[0], T0, logged, now=NOW)


def test_a_log_cannot_be_in_the_future_or_name_another_patients_program(
    db: Database, clinic: Clinic
) -> None:
    program_id = _program(db, clinic)
    items, me, pid = _items(db, clinic, program_id), clinic.pat_users[0], clinic.patients[0]
    squat = [LoggedExercise("squat", 1, reps=5)]
    with pytest.raises(StoreError, match="cannot be in the future"), db.transaction() as tx:
        log_manual_session(tx, me, pid, NOW + dt.timedelta(hours=1), squat, now=NOW)
    other = [LoggedExercise("knee_extension", 1, reps=5, prescription_item_id=items["wall_sit"])]
    mismatch = "is 'wall_sit', not 'knee_extension'"
    with pytest.raises(StoreError, match=mismatch), db.transaction() as tx:
        log_manual_session(tx, me, pid, T0, other, now=NOW)
    with pytest.raises(StoreError, match="not in patient"), db.transaction() as tx:
        theirs = [LoggedExercise("knee_extension", 1, reps=5,
                                 prescription_item_id=items["knee_extension"])]  # fmt: skip
        log_manual_session(tx, clinic.ther_a, clinic.patients[1], T0, theirs, now=NOW)
    with pytest.raises(AccessDenied), db.transaction() as tx:
        log_manual_session(tx, clinic.pat_users[1], pid, T0, squat, now=NOW)


# -- skipped check-ins -------------------------------------------------------------------------


def test_skipping_the_questions_after_keeps_the_pain_given_before(
    db: Database, clinic: Clinic
) -> None:
    """One rule (clinical's): a skipped question stays None, never 0; a check-in is read as
    skipped only when it holds no value at all."""
    me, pid = clinic.pat_users[0], clinic.patients[0]
    with SessionRecorder.start(db, me, pid, clock=lambda: T0) as rec:
        rec.check_in(pain_before=5)
        rec.check_in(pain_before=5)  # the questions after: skipped
    with SessionRecorder.start(db, me, pid, clock=lambda: T0 + dt.timedelta(hours=1)) as rec:
        rec.check_in()  # everything skipped
    with db.transaction() as tx:
        kept, skipped = list_sessions(tx, clinic.ther_a, pid)
        points = pain_and_effort(tx, clinic.ther_a, pid)
    assert (kept.pain_before, kept.pain_after, kept.check_in_skipped) == (5, None, False)
    assert (skipped.pain_before, skipped.pain_after, skipped.check_in_skipped) == (None, None, True)
    assert [p.skipped for p in points] == [False, True]
    assert points[0].pain_after is None and points[0].effort_rpe is None


# -- the migration -----------------------------------------------------------------------------


def test_migration_moves_notes_to_the_clinic_and_refuses_to_drop_logged_days(
    db_url: str,
) -> None:
    upgrade_database(db_url, "0004")
    engine = create_db_engine(db_url)
    at = dt.datetime(2026, 1, 5, 9, 0)
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO users (id, username, display_name, role, password_hash, is_active, "
            "is_demo, created_at) VALUES (1, 't', 'T', 'therapist', 'x', true, false, :at), "
            "(2, 'p', 'P', 'patient', 'x', true, false, :at)"), {"at": at})  # fmt: skip
        c.execute(text(
            "INSERT INTO patients (id, user_id, therapist_id, condition, affected_side, notes, "
            "store_landmarks, is_demo, created_at) "
            "VALUES (1, 2, 1, 'knee', 'left', '', false, false, :at)"), {"at": at})  # fmt: skip
        c.execute(text(
            "INSERT INTO prescriptions (id, patient_id, prescribed_by_id, title, "
            "sessions_per_week, start_date, notes, created_at) "
            "VALUES (1, 1, 1, 'Knee', 3, :day, 'for the clinic', :at)"),
            {"day": at.date(), "at": at})  # fmt: skip
    upgrade_database(db_url)
    with engine.begin() as c:
        assert c.execute(text("SELECT clinical_notes, patient_notes FROM prescriptions")).one() == (
            "for the clinic", "",
        )  # fmt: skip
        assert c.execute(text("SELECT language FROM patients")).scalar() == "en"
        c.execute(text(
            "INSERT INTO exercise_sessions (id, patient_id, started_at, ended_at, "
            "last_activity_at, source, status, notes) "
            "VALUES (1, 1, :at, :at, :at, 'manual', 'completed', '')"), {"at": at})  # fmt: skip
    with pytest.raises(StoreError, match="logged by hand"):
        downgrade_database(db_url, "0004")
    with engine.begin() as c:
        c.execute(text("DELETE FROM exercise_sessions"))
    downgrade_database(db_url, "0004")
    with engine.begin() as c:
        assert c.execute(text("SELECT notes FROM prescriptions")).scalar() == "for the clinic"
    engine.dispose()
