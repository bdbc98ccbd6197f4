"""Access rules in the store: a therapist sees only their patients, a patient only themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import AccessDenied, NotYours, StoreError
from rehab.store import (
    Actor,
    Database,
    ExercisePlan,
    SessionRecorder,
    actor_for,
    authenticate,
    create_patient,
    create_user,
    prescribe,
    queries,
)
from rehab.store.models import AuditEntry, User
from rehab.store.testing import T0, Clinic, raw, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

PATIENT_READS = [
    queries.patient_detail,
    queries.list_sessions,
    queries.rom_progress,
    queries.volume_progress,
    queries.form_issues_over_time,
    queries.pain_and_effort,
    queries.weekly_adherence,
    queries.patient_alerts,
]


def test_patient_list_shows_each_user_what_they_may_see(db: Database, clinic: Clinic) -> None:
    a_patients, b_patients = clinic.patients[:2], clinic.patients[2:]
    with db.transaction() as tx:
        assert [p.patient_id for p in queries.list_patients(tx, clinic.ther_a)] == a_patients
        assert [p.patient_id for p in queries.list_patients(tx, clinic.ther_b)] == b_patients
        assert len(queries.list_patients(tx, clinic.admin)) == 3
        own = queries.list_patients(tx, clinic.pat_users[1])
        assert [p.patient_id for p in own] == [clinic.patients[1]]


@pytest.mark.parametrize("read", PATIENT_READS, ids=lambda f: f.__name__)
def test_patient_reads_refuse_other_therapists_and_patients(
    db: Database, clinic: Clinic, read: object
) -> None:
    patient = clinic.patients[0]  # therapist A's
    with db.transaction() as tx:
        read(tx, clinic.ther_a, patient)  # type: ignore[operator]
        read(tx, clinic.admin, patient)  # type: ignore[operator]
        read(tx, clinic.pat_users[0], patient)  # type: ignore[operator]
        answers = set()  # "not found" and "not allowed" look the same to the asker
        for asker, asked in (
            (clinic.ther_b, patient),
            (clinic.pat_users[1], patient),
            (clinic.ther_b, 9999),
            (clinic.admin, 9999),
        ):
            with pytest.raises(NotYours) as refused:
                read(tx, asker, asked)  # type: ignore[operator]
            answers.add(str(refused.value).replace(f"#{asked} ", "#ID "))
        assert answers == {"no patient #ID among yours"}


def test_reports_and_sessions_are_guarded_too(db: Database, clinic: Clinic) -> None:
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: T0)
    recorder.finish()
    with db.transaction() as tx:
        queries.session_detail(tx, clinic.ther_a, recorder.session_id)
        with pytest.raises(AccessDenied):
            queries.session_detail(tx, clinic.ther_b, recorder.session_id)
        with pytest.raises(AccessDenied):
            queries.report_data(tx, clinic.pat_users[2], clinic.patients[0], T0, T0)


def test_recording_for_someone_elses_patient_is_refused(db: Database, clinic: Clinic) -> None:
    with pytest.raises(AccessDenied):
        SessionRecorder.start(db, clinic.pat_users[1], clinic.patients[0])
    with pytest.raises(AccessDenied):
        SessionRecorder.start(db, clinic.ther_b, clinic.patients[0])


def test_reads_are_audited_with_ids_only(db: Database, clinic: Clinic) -> None:
    with db.transaction() as tx:
        queries.rom_progress(tx, clinic.ther_a, clinic.patients[0])
    with sql_session(db) as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.user_id, entry.patient_id, entry.action, entry.resource) == (
            clinic.ther_a.user_id,
            clinic.patients[0],
            "read",
            "rom",
        )
        names = s.scalars(select(User.display_name)).all()
        details = s.scalars(select(AuditEntry.detail)).all()
        assert not any(name in detail for name in names for detail in details)


def _entries_after(db: Database, first_id: int) -> list[tuple[object, ...]]:
    with sql_session(db) as s:
        rows = s.execute(
            select(
                AuditEntry.user_id,
                AuditEntry.patient_id,
                AuditEntry.action,
                AuditEntry.resource,
                AuditEntry.resource_id,
                AuditEntry.detail,
            )
            .where(AuditEntry.id > first_id)
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("read_only", [False, True], ids=["transaction", "read"])
def test_refused_accesses_are_audited_in_their_own_transaction(
    db: Database, clinic: Clinic, read_only: bool
) -> None:
    """The refused work rolls back (nothing it wrote stays), its refusal is kept."""
    with sql_session(db) as s:
        last = s.scalar(select(func.max(AuditEntry.id))) or 0
    unit = db.read if read_only else db.transaction
    with pytest.raises(NotYours), unit() as tx:
        queries.patient_detail(tx, clinic.ther_b, clinic.patients[2])  # theirs: audited read
        queries.rom_progress(tx, clinic.ther_b, clinic.patients[0])  # therapist A's
    with pytest.raises(NotYours), unit() as tx:
        queries.rom_progress(tx, clinic.ther_b, 9999)
    b = clinic.ther_b.user_id
    # a read-only snapshot audits what it did read, even when its caller failed afterwards
    read = [(b, clinic.patients[2], "read", "patient", None, "")] if read_only else []
    assert _entries_after(db, last) == [
        *read,
        (b, clinic.patients[0], "refuse", "patient", clinic.patients[0], "not allowed"),
        (b, None, "refuse", "patient", 9999, "not found"),
    ]


def test_a_session_of_someone_elses_patient_reads_as_missing(db: Database, clinic: Clinic) -> None:
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: T0)
    recorder.finish()
    answers = set()
    for asked in (recorder.session_id, 999_999):
        with pytest.raises(NotYours) as refused, db.transaction() as tx:
            queries.session_detail(tx, clinic.ther_b, asked)
        answers.add(str(refused.value).replace(f"#{asked} ", "#ID "))
    assert answers == {"no session #ID among yours"}  # the patient's id is never named


def test_passwords(db: Database, clinic: Clinic) -> None:
    with db.transaction() as tx:
        s = raw(tx)
        assert authenticate(tx, "ther_a", "pw-ther_a-1-long") == clinic.ther_a
        with pytest.raises(AccessDenied, match="wrong username or password"):
            authenticate(tx, "ther_a", "not-the-password")
        with pytest.raises(AccessDenied, match="wrong username or password"):
            authenticate(tx, "nobody", "pw-ther_a-1-long")
        stored = s.scalar(select(User.password_hash).where(User.username == "ther_a"))
        assert stored is not None and stored.startswith("$argon2")
        with pytest.raises(StoreError, match="too short"):
            create_user(tx, clinic.admin, "short", "Short", Role.THERAPIST, "abc")


def test_who_may_create_whom(db: Database, clinic: Clinic) -> None:
    with db.transaction() as tx:
        with pytest.raises(AccessDenied, match="first user must be an admin"):
            create_user(tx, None, "root2", "Root", Role.ADMIN, "long-enough-pw")
        with pytest.raises(AccessDenied):
            create_user(tx, clinic.ther_a, "t3", "T3", Role.THERAPIST, "long-enough-pw")
        with pytest.raises(AccessDenied):
            create_user(tx, clinic.pat_users[0], "p9", "P9", Role.PATIENT, "long-enough-pw")
        with pytest.raises(StoreError, match="taken"):
            create_user(tx, clinic.admin, "ther_a", "Again", Role.THERAPIST, "long-enough-pw")
        new_user = create_user(tx, clinic.ther_a, "p9", "P9", Role.PATIENT, "long-enough-pw")
        with pytest.raises(AccessDenied, match="their own list"):
            create_patient(tx, clinic.ther_a, new_user, clinic.ther_b.user_id, "hip", Side.RIGHT)
        create_patient(tx, clinic.ther_a, new_user, clinic.ther_a.user_id, "hip", Side.RIGHT)
        with pytest.raises(AccessDenied):
            prescribe(
                tx,
                clinic.ther_b,
                clinic.patients[0],
                "Not mine",
                [ExercisePlan("squat", sets=3, reps=10)],
                3,
                dt.date(2026, 3, 1),
            )
        with pytest.raises(AccessDenied):
            prescribe(tx, clinic.pat_users[0], clinic.patients[0], "x", [], 3, dt.date(2026, 3, 1))
        with pytest.raises(StoreError, match="give reps or hold seconds"):
            prescribe(
                tx, clinic.ther_a, clinic.patients[0], "x", [ExercisePlan("squat", 3)], 3, T0.date()
            )


def test_deactivated_users_are_refused(db: Database, clinic: Clinic) -> None:
    with sql_session(db) as s:
        user = s.get(User, clinic.ther_b.user_id)
        assert user is not None
        user.is_active = False
    with db.transaction() as tx:
        with pytest.raises(AccessDenied):
            actor_for(tx, clinic.ther_b.user_id)
        with pytest.raises(AccessDenied):
            authenticate(tx, "ther_b", "pw-ther_b-1-long")
        assert actor_for(tx, clinic.ther_a.user_id) == Actor(clinic.ther_a.user_id, Role.THERAPIST)
