"""`rehab demo`: a demo clinic whose every number was computed by the real counting engine.

The people and stories are in `stories.py`, the simulated sessions in `simulate.py`. This
module stores them through the store's public API: the demo therapist (an operator function,
no admin needed) creates the patients and prescribes their programs; each patient records
their own sessions (`record_session`, like an uploaded session). `is_demo` is set on every
demo user and patient, so `--replace` removes exactly the demo.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from rehab.core.results import SetResult, Side
from rehab.demo_clinic.simulate import SimSession, simulate_all, target_rom
from rehab.demo_clinic.stories import (
    DEMO_PASSWORD,
    NAME_PREFIX,
    PATIENTS,
    USER_PREFIX,
    DemoExercise,
    DemoPatient,
)
from rehab.domain import Role, SessionSource, SessionStatus
from rehab.errors import StoreError
from rehab.store import (
    Actor,
    Database,
    ExercisePlan,
    PlannedSet,
    Transaction,
    create_demo_therapist,
    create_patient,
    create_user,
    delete_demo,
    demo_exists,
    prescribe,
    queries,
    record_session,
)

log = logging.getLogger(__name__)

DEMO_NOTE = "demo: simulated landmark stream analysed by the counting engine"
PATIENT_NOTE = "Warm up for five minutes first. Stop and tell us if the pain goes above 5."


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    sessions: int
    sets: int
    reps: int

    def __str__(self) -> str:
        return (
            f"demo clinic created: 1 therapist (demo_therapist), {self.patients} patients "
            f"(demo_alex, demo_sam, ...; password '{DEMO_PASSWORD}'), {self.sessions} sessions, "
            f"{self.sets} sets, {self.reps} reps counted by the engine"
        )


@dataclass(frozen=True)
class _DemoIds:
    patient_id: int
    actor: Actor  # the patient's own account: they record their sessions
    prescription_id: int
    items: list[int]


def build_demo(
    db: Database,
    *,
    weeks: int = 8,
    replace: bool = False,
    seed: int = 7,
    now: dt.datetime | None = None,
    patients: Sequence[DemoPatient] = PATIENTS,
) -> DemoSummary:
    """Create the demo clinic (StoreError if one exists and `replace` is False)."""
    if weeks < 1:
        raise StoreError(f"--weeks must be at least 1 (got {weeks})")
    moment = now or dt.datetime.now(dt.UTC)
    start = (moment - dt.timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    with db.transaction() as tx:
        if demo_exists(tx):
            if not replace:
                raise StoreError("a demo clinic already exists: use `rehab demo --replace`")
            delete_demo(tx)
        ids = _create_people(tx, patients, start.date())
    jobs = [(patient, seed + n, start, moment, weeks) for n, patient in enumerate(patients)]
    totals = [0, 0, 0]
    for patient_ids, simulated in zip(ids, simulate_all(jobs), strict=True):
        for sim in simulated:
            _store(db, patient_ids, sim)
            totals = [totals[0] + 1, totals[1] + len(sim.sets), totals[2] + sim.reps]
    log.info("demo clinic: %d sessions", totals[0])
    return DemoSummary(len(patients), *totals)


def _create_people(
    tx: Transaction, patients: Sequence[DemoPatient], start: dt.date
) -> list[_DemoIds]:
    """The therapist, then each patient's account, record and program, as the therapist."""
    therapist = create_demo_therapist(
        tx, f"{USER_PREFIX}therapist", f"{NAME_PREFIX}Dana Reyes, PT", DEMO_PASSWORD
    )
    out = []
    for patient in patients:
        user_id = create_user(
            tx, therapist, f"{USER_PREFIX}{patient.key}", f"{NAME_PREFIX}{patient.name}",
            Role.PATIENT, DEMO_PASSWORD, is_demo=True,
        )  # fmt: skip
        patient_id = create_patient(
            tx, therapist, user_id, therapist.user_id, patient.condition,
            patient.affected_side, notes="Demo patient (simulated data).", is_demo=True,
        )  # fmt: skip
        prescription_id = prescribe(
            tx, therapist, patient_id, "Home program", _plans(patient.exercises),
            sessions_per_week=3, start_date=start, clinical_notes="Demo program",
            patient_notes=PATIENT_NOTE,
        )  # fmt: skip
        (program,) = queries.patient_detail(tx, therapist, patient_id).programs
        items = [item.item_id for item in program.items]
        who = Actor(user_id, Role.PATIENT)
        out.append(_DemoIds(patient_id, who, prescription_id, items))
    return out


def _plans(exercises: Sequence[DemoExercise]) -> list[ExercisePlan]:
    return [
        ExercisePlan(
            e.exercise_id, e.sets, reps=e.reps, hold_s=e.hold_s,
            target_rom_deg=target_rom(e.exercise_id), side=e.side or Side.BOTH,
            notes_for_patient="Slow and controlled; stop if the pain goes above 6/10.",
        )
        for e in exercises
    ]  # fmt: skip


def _store(db: Database, ids: _DemoIds, sim: SimSession) -> None:
    planned = [PlannedSet(result, _side_of(result), ids.items[k]) for k, result in sim.sets]
    record_session(
        db, ids.actor, ids.patient_id, planned, started_at=sim.at, source=SessionSource.LIVE,
        status=SessionStatus.INTERRUPTED if sim.interrupted else SessionStatus.COMPLETED,
        prescription_id=ids.prescription_id, check_in=sim.check_in, notes=DEMO_NOTE,
    )  # fmt: skip


def _side_of(result: SetResult) -> Side:
    sides = {rep.side for rep in result.reps} | {hold.side for hold in result.holds}
    return sides.pop() if len(sides) == 1 else Side.BOTH
