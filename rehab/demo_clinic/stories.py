"""The demo clinic's people and their stories (data only).

A demo therapist and four demo patients (names start with "Demo ·", usernames with "demo_",
password `demo-password`): steady progress after a knee replacement; an ACL patient whose
pain flares in the last ten days (ROM dips, a session interrupted); a frozen shoulder with
slow progress and missed days; low back pain that stopped two weeks ago (stalled).
"""

from __future__ import annotations

from dataclasses import dataclass

from rehab.core.results import Side

DEMO_PASSWORD = "demo-password"
NAME_PREFIX = "Demo · "
USER_PREFIX = "demo_"


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
