"""`rehab demo`: a demo clinic whose numbers come from the real counting engine."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from rehab.core.results import Side
from rehab.demo_clinic import DEMO_PASSWORD, PATIENTS, DemoExercise, DemoPatient, build_demo
from rehab.demo_clinic.simulate import simulate_patient
from rehab.errors import StoreError
from rehab.store import AlertKind, AlertSeverity, Database, authenticate, delete_demo, queries
from rehab.store.models import ExerciseSession, Patient, Rep, User
from rehab.store.testing import sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

NOW = dt.datetime(2026, 3, 20, 18, 0, tzinfo=dt.UTC)
SMALL = DemoPatient(
    "kim", "Kim Test", "Knee OA (left)", Side.LEFT,
    (DemoExercise("knee_extension", 1, reps=6, side=Side.LEFT),
     DemoExercise("plank", 1, hold_s=10.0)),
    rom_start=0.85, rom_end=1.05, skip=0.0, pain_start=4, pain_end=3,
)  # fmt: skip


def test_small_demo_stores_exactly_what_the_engine_computed(db: Database) -> None:
    summary = build_demo(db, weeks=1, now=NOW, patients=[SMALL])
    start = (NOW - dt.timedelta(weeks=1)).replace(hour=0, minute=0)
    simulated = simulate_patient(SMALL, 7, start, NOW, 1)  # same seed: the same run again
    assert summary.sessions == len(simulated) >= 2
    with db.transaction() as tx:
        therapist = authenticate(tx, "demo_therapist", DEMO_PASSWORD)
        (row,) = queries.list_patients(tx, therapist, now=NOW)
        assert row.name == "Demo · Kim Test" and row.is_demo
        stored = queries.list_sessions(tx, therapist, row.patient_id)
        details = [queries.session_detail(tx, therapist, x.session_id) for x in stored]
    assert [d.summary.started_at for d in details] == [sim.at for sim in simulated]
    for detail, sim in zip(details, simulated, strict=True):
        assert [d.reps for d in detail.sets] == [result.reps for _, result in sim.sets]
        assert [d.holds for d in detail.sets] == [result.holds for _, result in sim.sets]
    reps = [rep for d in details for s_ in d.sets for rep in s_.reps if rep.complete]
    holds = [hold for d in details for s_ in d.sets for hold in s_.holds]
    assert len(reps) >= 6 and holds  # the engine counted reps and timed the holds
    assert all(rep.exercise_id == "knee_extension" and rep.side is Side.LEFT for rep in reps)
    assert all(40.0 < rep.rom_deg < 100.0 for rep in reps)


def test_demo_is_marked_and_replaceable(db: Database) -> None:
    build_demo(db, weeks=1, now=NOW, patients=[SMALL])
    with pytest.raises(StoreError, match="--replace"):
        build_demo(db, weeks=1, now=NOW, patients=[SMALL])
    build_demo(db, weeks=1, now=NOW, patients=[SMALL], replace=True)
    with sql_session(db) as s:
        users = s.execute(select(User.username, User.display_name, User.is_demo)).all()
        assert {u.username for u in users} == {"demo_therapist", "demo_kim"}
        assert all(u.is_demo and u.display_name.startswith("Demo · ") for u in users)
        assert s.scalar(select(func.count(Patient.id))) == 1
    with db.transaction() as tx:
        delete_demo(tx)
    with sql_session(db) as s:
        assert s.scalar(select(func.count(User.id))) == 0
        assert s.scalar(select(func.count(ExerciseSession.id))) == 0
        assert s.scalar(select(func.count(Rep.id))) == 0


@pytest.mark.slow
def test_full_demo_tells_its_stories(tmp_path: object) -> None:
    """Eight weeks, four patients (~30 s of engine work): the alerts the stories promise."""
    from rehab.store import open_database

    db = open_database(f"sqlite:///{tmp_path}/demo.db")  # type: ignore[str-bytes-safe]
    summary = build_demo(db, now=NOW)
    assert summary.patients == len(PATIENTS) and summary.reps > 3000
    with db.transaction() as tx:
        therapist = authenticate(tx, "demo_therapist", DEMO_PASSWORD)
        rows = {p.name.removeprefix("Demo · ").split()[0]: p for p in
                queries.list_patients(tx, therapist, now=NOW)}  # fmt: skip
        sam_sessions = queries.list_sessions(tx, therapist, rows["Sam"].patient_id)
    alerts = {name: {(a.kind, a.severity) for a in row.alerts} for name, row in rows.items()}
    assert not any(sev is not AlertSeverity.LOW for _, sev in alerts["Alex"])
    assert (AlertKind.PAIN, AlertSeverity.CRITICAL) in alerts["Sam"]
    assert any(kind is AlertKind.ROM_FALLING for kind, _ in alerts["Sam"])
    assert "interrupted" in {x.status for x in sam_sessions}
    assert (AlertKind.INACTIVE, AlertSeverity.HIGH) in alerts["Jordan"]
    assert (AlertKind.INACTIVE, AlertSeverity.LOW) in alerts["Priya"]
    assert rows["Alex"].adherence_28d is not None and rows["Alex"].adherence_28d > 0.8
    db.dispose()
