"""On the therapist's prescriptions page, what goes to the patient: their language (their
pages, live session, handout and reminders) and the printed home program."""

from __future__ import annotations

import streamlit as st

from rehab.core.exercise import Exercise
from rehab.dashboard.state import SignedIn, exercise_library, show_error, today, transaction
from rehab.errors import RehabError
from rehab.exercise_library import UnknownExerciseError
from rehab.i18n import LANGUAGE_NAMES, LANGUAGES
from rehab.patient.printouts import file_name, handout_pdf
from rehab.store import set_patient_language
from rehab.store.queries import PatientDetail, patient_home


def _exercise(exercise_id: str) -> Exercise | None:
    try:
        return exercise_library().get(exercise_id)
    except UnknownExerciseError:
        return None


def for_the_patient(user: SignedIn, patient: PatientDetail) -> None:
    """The patient's language, and the handout of their current program (when they have one)."""
    left, right = st.columns([1, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "The patient's language (their pages, handout, reminders, spoken cues)",
        LANGUAGES,
        index=LANGUAGES.index(patient.language) if patient.language in LANGUAGES else 0,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=f"patient_language_{patient.patient_id}",
    )
    if chosen != patient.language:
        try:
            with transaction() as tx:
                set_patient_language(tx, user.actor, patient.patient_id, chosen)
        except RehabError as exc:
            show_error(exc)
            return
        st.rerun()
    day = today()
    with transaction() as tx:
        home = patient_home(tx, user.actor, patient.patient_id, day, day)
    if home.program is None:
        right.caption("No current program to print yet.")
        return
    right.download_button(
        "Print the home program (PDF, in the patient's language)",
        data=lambda: handout_pdf(home, _exercise, day),
        file_name=file_name("home-program", day, ".pdf"),
        mime="application/pdf",
        icon=":material/print:",
        key="therapist_handout_pdf",
    )
