"""Simulated sessions: each set a synthetic landmark stream analysed by the real engine.

Each set is a synthetic landmark stream (`rehab.core.synthetic`: a posed stick figure seen by
a pinhole camera, at the ROM of that patient's week, with landmark noise) analysed by
`rehab.core.analysis.analyze_stream` (the offline engine): counts, ROM, tempo, partial reps
and holds are the engine's own. No database here: pure work, run in parallel processes.

Streams are made once per exercise and ROM level (making one takes ~0.5 s) and reused
with fresh noise and a per-set rep count; the engine analyses every set anew.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import SetResult, Side
from rehab.demo_clinic.stories import DemoExercise, DemoPatient
from rehab.exercise_library import ExerciseLibrary
from rehab.store import CheckInValues

FPS = 15.0
REP_CYCLE_S = 4.0  # synthetic_stream: rep_s 3 + rest_s 1
LEVELS = np.round(np.arange(0.80, 1.13, 0.04), 2)  # ROM levels, fractions of the default ROM


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


@functools.cache
def _library() -> ExerciseLibrary:
    from rehab.exercise_library import load_library

    return load_library()


def target_rom(exercise_id: str) -> float | None:
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


def simulate_all(jobs: list[_Job]) -> list[list[SimSession]]:
    """Simulate the patients in parallel processes (the engine is pure CPU work)."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [simulate_patient(*job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        return list(executor.map(_simulate_job, jobs))


def _simulate_job(job: _Job) -> list[SimSession]:
    return simulate_patient(*job)
