"""A patient's printouts from what the store says: the home program handout (PDF) and the
calendar reminders (.ics), in the patient's language, with the therapist's words to the
patient only (a `PatientProgram` has no field for the clinic's notes).

The pages and `rehab handout` read a `PatientHome` in a transaction, then call these
outside it (drawing the demonstration stills takes seconds the first time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from rehab.core.exercise import Exercise, SideMode, localized
from rehab.demos.cache import demo_stills
from rehab.errors import NotFound
from rehab.handout.model import Handout, HandoutItem
from rehab.handout.reminders import build_ics
from rehab.handout.render import render_handout
from rehab.i18n import check_language
from rehab.patient.settings import clinic_name, patient_home_url
from rehab.store.queries import PatientHome, ProgramItem

DEFAULT_REMINDER_AT = dt.time(18, 0)


def _item(
    item: ProgramItem, exercise: Exercise | None, days_per_week: int, language: str, stills: bool
) -> HandoutItem:
    words = localized(exercise, language) if exercise is not None else None
    return HandoutItem(
        exercise_id=item.exercise_id,
        name=words.name if words is not None else item.exercise_id,
        instructions=tuple(words.instructions) if words is not None else (),
        sets=item.sets,
        reps=item.reps if item.hold_s is None else None,
        hold_s=item.hold_s,
        side=item.side,
        alternating=exercise is not None and exercise.sides is SideMode.ALTERNATING,
        days_per_week=days_per_week,
        note=item.notes_for_patient,
        stills=demo_stills(exercise, language) if stills and exercise is not None else None,
    )


def handout_of(
    home: PatientHome,
    exercises: Callable[[str], Exercise | None],
    today: dt.date,
    language: str | None = None,
    *,
    stills: bool = True,
) -> Handout:
    """The handout of the patient's current program (NotFound when there is none);
    `language` defaults to the patient's own."""
    program = home.program
    if program is None:
        raise NotFound(f"patient #{home.patient_id} has no current program to print")
    lang = check_language(language or home.language)
    days = min(7, program.sessions_per_week)
    return Handout(
        clinic_name=clinic_name(),
        patient_name=home.name,
        therapist_name=home.therapist_name,
        title=program.title,
        instructions=program.note,
        start_date=program.start_date,
        end_date=program.end_date,
        patient_url=patient_home_url(),
        language=lang,
        issued_on=today,
        items=tuple(_item(i, exercises(i.exercise_id), days, lang, stills) for i in program.items),
    )


def handout_pdf(
    home: PatientHome, exercises: Callable[[str], Exercise | None], today: dt.date,
    language: str | None = None,
) -> bytes:  # fmt: skip
    return render_handout(handout_of(home, exercises, today, language))


def reminders_ics(
    home: PatientHome,
    exercises: Callable[[str], Exercise | None],
    today: dt.date,
    at: dt.time = DEFAULT_REMINDER_AT,
    timezone: str = "UTC",
) -> bytes:
    """The calendar file of the current program: its days at `at` in `timezone`."""
    handout = handout_of(home, exercises, today, stills=False)
    program = home.program
    assert program is not None  # handout_of raised otherwise
    stem = f"rehab-patient{home.patient_id}-program{program.prescription_id}"
    return build_ics(handout, at, timezone, stem)


def file_name(kind: str, today: dt.date, suffix: str) -> str:
    """A download's file name without the patient's name: 'home-program-2026-11-30.pdf'."""
    safe = re.sub(r"[^a-z0-9-]+", "-", kind.lower()).strip("-") or "file"
    return f"{safe}-{today.isoformat()}{suffix}"
