"""`rehab demo`: a demo clinic whose every number was computed by the real counting engine.

A demo therapist and four demo patients (names start with "Demo ·", usernames with "demo_",
`is_demo` set on every user and patient; password `demo-password`) with eight weeks of
sessions. Each set is a synthetic landmark stream (`rehab.core.synthetic`: a posed stick figure
seen by a pinhole camera, at the ROM of that patient's week, with landmark noise) analysed
by `rehab.core.analysis.analyze_stream` (the offline engine) and stored with the recorder, like
an uploaded session: counts, ROM, tempo, partial reps and holds are the engine's own.

The stories: steady progress after a knee replacement; an ACL patient whose pain flares in
the last ten days (ROM dips, a session interrupted); a frozen shoulder with slow progress
and missed days; low back pain that stopped two weeks ago (stalled).

Streams are made once per exercise and ROM level (making one takes ~0.5 s) and reused
with fresh noise and a per-set rep count; the engine analyses every set anew.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import multiprocessing
import os
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import Engine, delete, func, select

from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import SetResult, Side
from rehab.errors import StoreError
from rehab.exercise_library import ExerciseLibrary
from rehab.store.access import Actor, audit, hash_password
from rehab.store.engine import run_transaction
from rehab.store.models import (
    AuditAction,
    AuditEntry,
    CheckIn,
    ExerciseSession,
    Patient,
    Prescription,
    PrescriptionItem,
    Role,
    SessionSource,
    SessionStatus,
    User,
)
from rehab.store.recorder import CheckInValues, PlannedSet, record_session

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password"
NAME_PREFIX = "Demo · "
USER_PREFIX = "demo_"
FPS = 15.0
REP_CYCLE_S = 4.0  # synthetic_stream: rep_s 3 + rest_s 1
LEVELS = np.round(np.arange(0.80, 1.13, 0.04), 2)  # ROM levels, fractions of the default ROM
DEMO_NOTE = "demo: simulated landmark stream analysed by the counting engine"


@dataclass(frozen=True)
class DemoExercise:
    exercise_id: str
    sets: int
    reps: int | None = None
    hold_s: float | None = None
    side: Side | None = None  # the limb analysed (None: the exercise's own handling)


@dataclass(frozen=True)
class DemoPatient:
    key: str
    name: str
    condition: str
    affected_side: Side
    exercises: tuple[DemoExercise, ...]
    rom_start: float  # ROM as a fraction of the exercise's default ROM, week 1 ...
    rom_end: float  # ... and the last week
    skip: float  # chance of missing a planned session
    pain_start: int
    pain_end: int
    stop_days_before_now: int = 0  # no sessions in the last N days
    flare_days: int = 0  # a pain flare over the last N days


PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "alex", "Alex Martin", "Total knee replacement (left), 6 weeks post-op", Side.LEFT,
        (DemoExercise("knee_extension", 3, reps=10, side=Side.LEFT),
         DemoExercise("straight_leg_raise", 3, reps=10, side=Side.LEFT),
         DemoExercise("mini_squat", 2, reps=10)),
        rom_start=0.80, rom_end=1.10, skip=0.1, pain_start=5, pain_end=2,
    ),
    DemoPatient(
        "sam", "Sam Okafor", "ACL reconstruction (right), return-to-sport phase", Side.RIGHT,
        (DemoExercise("mini_squat", 3, reps=10),
         DemoExercise("heel_raise", 3, reps=12),
         DemoExercise("sit_to_stand", 2, reps=10)),
        rom_start=0.84, rom_end=1.08, skip=0.15, pain_start=3, pain_end=2, flare_days=7,
    ),
    DemoPatient(
        "priya", "Priya Shah", "Adhesive capsulitis (left shoulder)", Side.LEFT,
        (DemoExercise("shoulder_flexion", 2, reps=10, side=Side.LEFT),
         DemoExercise("shoulder_abduction", 2, reps=10, side=Side.LEFT)),
        rom_start=0.80, rom_end=0.96, skip=0.3, pain_start=4, pain_end=3,
        stop_days_before_now=3,
    ),
    DemoPatient(
        "jordan", "Jordan Lee", "Chronic low back pain", Side.BOTH,
        (DemoExercise("glute_bridge", 3, reps=10),
         DemoExercise("sit_to_stand", 2, reps=10),
         DemoExercise("plank", 2, hold_s=20.0)),
        rom_start=0.84, rom_end=1.04, skip=0.2, pain_start=5, pain_end=3,
        stop_days_before_now=15,
    ),
)  # fmt: skip


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


class StreamPool:
    """Synthetic streams per (exercise, side, ROM level), made on first use."""

    def __init__(self, seed: int) -> None:
        self.library = _library()
        self.seed = seed
        self._streams: dict[tuple[str, Side | None, float], LandmarkStream] = {}

    def exercise(self, exercise_id: str) -> Exercise:
        return self.library.get(exercise_id)

    def stream(self, plan: DemoExercise, level: float) -> LandmarkStream:
        from rehab.core.synthetic import default_angles, synthetic_stream

        key = (plan.exercise_id, plan.side, level)
        if key not in self._streams:
            exercise = self.exercise(plan.exercise_id)
            if exercise.is_hold:
                hold = (plan.hold_s or 20.0) * level
                made = synthetic_stream(exercise, 1, hold_s=hold, fps=FPS, seed=self.seed)
            else:
                rest, peak = default_angles(exercise)
                made = synthetic_stream(
                    exercise, plan.reps or 10, rom_deg=abs(peak - rest) * level,
                    side=plan.side, fps=FPS, seed=self.seed,
                )  # fmt: skip
            self._streams[key] = made
        return self._streams[key]


def perturbed(
    stream: LandmarkStream, rng: np.random.Generator, n_reps: int | None
) -> LandmarkStream:
    """A copy with fresh landmark noise (~1.5 px, ~1 cm), cut after `n_reps` rep cycles."""
    keep = len(stream)
    if n_reps is not None:
        end_ms = (1.0 + n_reps * REP_CYCLE_S + 0.5) * 1000.0
        keep = max(2, int(np.searchsorted(stream.t_ms, end_ms)))
    width, height = stream.info.image_size
    scale = np.array([1.5 / width, 1.5 / height, 0.0])
    image = stream.image_xyz[:keep] + rng.normal(0.0, 1.0, stream.image_xyz[:keep].shape) * scale
    world = stream.world_xyz[:keep] + rng.normal(0.0, 0.01, stream.world_xyz[:keep].shape)
    return replace(
        stream,
        t_ms=stream.t_ms[:keep].copy(),
        image_xyz=image,
        world_xyz=world,
        visibility=stream.visibility[:keep].copy(),
    )


def demo_exists(engine: Engine) -> bool:
    return run_transaction(
        engine,
        lambda s: bool(s.scalar(select(func.count(User.id)).where(User.is_demo.is_(True)))),
        what="demo check",
    )


def has_patients(engine: Engine) -> bool:
    return run_transaction(
        engine, lambda s: bool(s.scalar(select(func.count(Patient.id)))), what="patient check"
    )


def delete_demo(engine: Engine) -> None:
    """Remove every demo user and patient and all their data."""

    def work(session: object) -> None:
        s = session  # a Session
        patients = select(Patient.id).where(Patient.is_demo.is_(True))
        users = select(User.id).where(User.is_demo.is_(True))
        s.execute(delete(AuditEntry).where(AuditEntry.patient_id.in_(patients)))  # type: ignore[attr-defined]
        s.execute(delete(AuditEntry).where(AuditEntry.user_id.in_(users)))  # type: ignore[attr-defined]
        s.execute(delete(CheckIn).where(CheckIn.patient_id.in_(patients)))  # type: ignore[attr-defined]
        s.execute(delete(ExerciseSession).where(ExerciseSession.patient_id.in_(patients)))  # type: ignore[attr-defined]
        prescriptions = select(Prescription.id).where(Prescription.patient_id.in_(patients))
        s.execute(
            delete(PrescriptionItem).where(PrescriptionItem.prescription_id.in_(prescriptions))
        )  # type: ignore[attr-defined]
        s.execute(delete(Prescription).where(Prescription.patient_id.in_(patients)))  # type: ignore[attr-defined]
        s.execute(delete(Patient).where(Patient.is_demo.is_(True)))  # type: ignore[attr-defined]
        s.execute(delete(User).where(User.is_demo.is_(True)))  # type: ignore[attr-defined]

    run_transaction(engine, work, what="demo removal")  # type: ignore[arg-type]


def build_demo(
    engine: Engine,
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
    if demo_exists(engine):
        if not replace:
            raise StoreError("a demo clinic already exists: use `rehab demo --replace`")
        delete_demo(engine)
    moment = now or dt.datetime.now(dt.UTC)
    start = (moment - dt.timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    _therapist, ids = run_transaction(
        engine, lambda s: _create_people(s, patients, start.date()), what="demo clinic"
    )
    jobs = [(patient, seed + n, start, moment, weeks) for n, patient in enumerate(patients)]
    totals = [0, 0, 0]
    for patient_ids, simulated in zip(ids, _simulate_all(jobs), strict=True):
        for sim in simulated:
            _store(engine, patient_ids, sim)
            totals = [totals[0] + 1, totals[1] + len(sim.sets), totals[2] + sim.reps]
    log.info("demo clinic: %d sessions", totals[0])
    return DemoSummary(len(patients), *totals)


def _simulate_all(jobs: list[_Job]) -> list[list[SimSession]]:
    """Simulate the patients in parallel processes (the engine is pure CPU work)."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [simulate_patient(*job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        return list(executor.map(_simulate_job, jobs))


def _simulate_job(job: _Job) -> list[SimSession]:
    return simulate_patient(*job)


def _create_people(
    session: object, patients: Sequence[DemoPatient], start: dt.date
) -> tuple[Actor, list[_DemoIds]]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    password = hash_password(DEMO_PASSWORD)
    therapist = User(
        username=f"{USER_PREFIX}therapist", display_name=f"{NAME_PREFIX}Dana Reyes, PT",
        role=Role.THERAPIST.value, password_hash=password, is_demo=True,
    )  # fmt: skip
    session.add(therapist)
    session.flush()
    actor = Actor(therapist.id, Role.THERAPIST)
    out = []
    for patient in patients:
        user = User(
            username=f"{USER_PREFIX}{patient.key}", display_name=f"{NAME_PREFIX}{patient.name}",
            role=Role.PATIENT.value, password_hash=password, is_demo=True,
        )  # fmt: skip
        session.add(user)
        session.flush()
        record = Patient(
            user_id=user.id, therapist_id=therapist.id, condition=patient.condition,
            affected_side=patient.affected_side.value, notes="Demo patient (simulated data).",
            is_demo=True,
        )  # fmt: skip
        session.add(record)
        session.flush()
        prescription = Prescription(
            patient_id=record.id, prescribed_by_id=therapist.id, title="Home program",
            sessions_per_week=3, start_date=start, notes="Demo program",
            items=_plan_rows(patient.exercises),
        )  # fmt: skip
        session.add(prescription)
        session.flush()
        audit(session, actor, AuditAction.CREATE, "demo_patient", record.id, record.id)
        who = Actor(user.id, Role.PATIENT)
        out.append(_DemoIds(record.id, who, prescription.id, [i.id for i in prescription.items]))
    return actor, out


def _plan_rows(exercises: Sequence[DemoExercise]) -> list[PrescriptionItem]:
    return [
        PrescriptionItem(
            position=n, exercise_id=e.exercise_id, sets=e.sets, reps=e.reps, hold_s=e.hold_s,
            target_rom_deg=_target_rom(e.exercise_id), side=(e.side or Side.BOTH).value,
            notes_for_patient="Slow and controlled; stop if the pain goes above 6/10.",
        )
        for n, e in enumerate(exercises)
    ]  # fmt: skip


@functools.cache
def _library() -> ExerciseLibrary:
    from rehab.exercise_library import load_library

    return load_library()


def _target_rom(exercise_id: str) -> float | None:
    from rehab.core.synthetic import default_angles

    exercise = _library().get(exercise_id)
    if exercise.is_hold:
        return None
    rest, peak = default_angles(exercise)
    return float(round(abs(peak - rest)))


def _session_days(
    patient: DemoPatient, rng: random.Random, start: dt.datetime, now: dt.datetime, weeks: int
) -> list[dt.datetime]:
    """Three days a week counted back from yesterday (sometimes a day off the pattern),
    some missed, none in the last `stop_days_before_now` days."""
    days = []
    stop = now - dt.timedelta(days=patient.stop_days_before_now, hours=2)
    yesterday = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    for week in range(weeks + 1):
        for days_ago in (0, 2, 4):
            shift = days_ago + 7 * week + rng.choice((0, 0, 0, 1))
            at = yesterday - dt.timedelta(days=shift)
            at += dt.timedelta(hours=rng.randint(7, 19), minutes=rng.randint(0, 59))
            in_flare = at >= now - dt.timedelta(days=patient.flare_days or -1)
            if not start <= at < stop or (rng.random() < patient.skip and not in_flare):
                continue
            days.append(at)
    return sorted(days)


@dataclass(frozen=True)
class SimSession:
    """One simulated session: when, the engine's result for each set, the check-in."""

    at: dt.datetime
    sets: tuple[tuple[int, SetResult], ...]  # (index of the exercise in the program, result)
    check_in: CheckInValues | None
    interrupted: bool

    @property
    def reps(self) -> int:
        return sum(len(result.complete_reps()) for _, result in self.sets)


_Job = tuple[DemoPatient, int, dt.datetime, dt.datetime, int]


def simulate_patient(
    patient: DemoPatient, seed: int, start: dt.datetime, now: dt.datetime, weeks: int
) -> list[SimSession]:
    """A patient's sessions, every set analysed by the engine (no database: pure work)."""
    pool, rng, noise = StreamPool(seed), random.Random(seed), np.random.default_rng(seed)
    days = _session_days(patient, rng, start, now, weeks)
    flare_from = now - dt.timedelta(days=patient.flare_days) if patient.flare_days else None
    out, flare_n = [], 0
    for n, at in enumerate(days):
        progress = (at - start) / (now - start)
        level = patient.rom_start + (patient.rom_end - patient.rom_start) * progress
        flaring = flare_from is not None and at >= flare_from
        if flaring:
            level -= 0.18  # a flare: less range, fewer reps
        trend = round(patient.pain_start + (patient.pain_end - patient.pain_start) * progress)
        flare_n = flare_n + 1 if flaring else 0  # the flare's sessions so far: 5, 6, 7/10
        pain = min(10, 4 + flare_n) if flaring else max(0, trend + rng.choice((-1, 0, 0, 1)))
        interrupted = flaring and n == len(days) - 2
        out.append(
            _simulate_session(patient, pool, rng, noise, at, level, pain, flaring, interrupted)
        )
    return out


def _simulate_session(
    patient: DemoPatient,
    pool: StreamPool,
    rng: random.Random,
    noise: np.random.Generator,
    at: dt.datetime,
    level: float,
    pain: int,
    flaring: bool,
    interrupted: bool,
) -> SimSession:
    sets = [
        (k, _analysed_set(plan, pool, rng, noise, level, flaring, set_no))
        for k, plan in enumerate(patient.exercises)
        for set_no in range(plan.sets)
    ]
    if interrupted:  # the camera dropped during the second set
        return SimSession(at, tuple(sets[:2]), None, True)
    check_in = CheckInValues(
        pain_before=max(0, pain - 1), pain_after=pain,
        effort_rpe=min(10, 4 + rng.randint(0, 2) + (2 if flaring else 0)),
        comment="Knee swollen after football" if flaring and pain >= 7 else "",
    )  # fmt: skip
    return SimSession(at, tuple(sets), check_in, False)


def _store(engine: Engine, ids: _DemoIds, sim: SimSession) -> None:
    planned = [PlannedSet(result, _side_of(result), ids.items[k]) for k, result in sim.sets]
    record_session(
        engine, ids.actor, ids.patient_id, planned, started_at=sim.at, source=SessionSource.LIVE,
        status=SessionStatus.INTERRUPTED if sim.interrupted else SessionStatus.COMPLETED,
        prescription_id=ids.prescription_id, check_in=sim.check_in, notes=DEMO_NOTE,
    )  # fmt: skip


def _side_of(result: SetResult) -> Side:
    sides = {rep.side for rep in result.reps} | {hold.side for hold in result.holds}
    return sides.pop() if len(sides) == 1 else Side.BOTH


def _analysed_set(
    plan: DemoExercise,
    pool: StreamPool,
    rng: random.Random,
    noise: np.random.Generator,
    level: float,
    flaring: bool,
    set_no: int,
) -> SetResult:
    from rehab.core.analysis import analyze_stream

    exercise = pool.exercise(plan.exercise_id)
    nearest = float(LEVELS[int(np.argmin(np.abs(LEVELS - level)))])
    stream = pool.stream(plan, nearest)
    n_reps = None
    if not exercise.is_hold and plan.reps:
        tired = set_no == 2 and rng.random() < 0.4
        n_reps = plan.reps - (rng.randint(3, 5) if flaring else int(tired) * rng.randint(1, 2))
    return analyze_stream(perturbed(stream, noise, n_reps), exercise, plan.side)
