"""A home program to print in tests: three exercises, one a hold, one for the left side."""

from __future__ import annotations

import datetime as dt

from rehab.core.exercise import SideMode, localized
from rehab.core.results import Side
from rehab.demos.output import still_pngs
from rehab.exercise_library import load_library
from rehab.handout.model import Handout, HandoutItem

PRESCRIBED = (
    # exercise, sets, reps, hold_s, side, note
    ("squat", 3, 10, None, Side.BOTH, "Go only as low as is comfortable; 90° is plenty."),
    ("straight_leg_raise", 2, 12, None, Side.LEFT, ""),
    ("plank", 2, None, 20.0, Side.BOTH, "Stop if your lower back hurts."),
)


def sample_handout(language: str = "en", stills: bool = True) -> Handout:
    library = load_library()
    items = []
    for exercise_id, sets, reps, hold_s, side, note in PRESCRIBED:
        exercise = library.get(exercise_id)
        words = localized(exercise, language)
        items.append(
            HandoutItem(
                exercise_id=exercise_id,
                name=words.name,
                instructions=tuple(words.instructions),
                sets=sets,
                reps=reps,
                hold_s=hold_s,
                side=side,
                alternating=exercise.sides is SideMode.ALTERNATING,
                days_per_week=5,
                note=note,
                stills=still_pngs(exercise, language) if stills else None,
            )
        )
    return Handout(
        clinic_name="Clínica Rehab Árbol",
        patient_name="José Núñez",
        therapist_name="Dr. Ana Pérez",
        title="Knee strength after ACL repair",
        instructions="Warm up for five minutes first. Ice the knee for 10 minutes afterwards.",
        start_date=dt.date(2026, 11, 3),
        end_date=dt.date(2026, 12, 15),
        patient_url="https://rehab.example.org/?page=home&patient=17",
        language=language,
        issued_on=dt.date(2026, 11, 30),
        items=tuple(items),
    )
