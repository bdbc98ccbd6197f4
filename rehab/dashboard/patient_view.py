"""What the patient's own pages share: who the patient is, their language, their exercises
in that language, the dose in words, and the page's narrow-screen styling.

Every word a patient page shows goes through the patient's `Translator` (`t.gettext`), or is
the patient's own data (names, the therapist's notes, the exercise files' words in their
language); tests/test_patient_pages.py checks it in a pseudo-language.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rehab.core.exercise import Exercise, SideMode, localized
from rehab.dashboard.state import SignedIn, current_user, exercise_library, transaction
from rehab.domain import Role
from rehab.errors import RehabError
from rehab.exercise_library import UnknownExerciseError
from rehab.handout import words
from rehab.i18n import N_, Translator, translator
from rehab.store.queries import ProgramItem, patient_language

LANGUAGE_KEY = "patient_language"
BACK = N_("Back to today")
NO_RECORD = N_("Your account has no patient record yet: please ask your therapist.")

# Big tap targets and no sideways scrolling on a phone: images and the camera fit the width.
_CSS = """<style>
[data-testid="stMainBlockContainer"] img, [data-testid="stMainBlockContainer"] video,
[data-testid="stMainBlockContainer"] iframe { max-width: 100%; }
[data-testid="stMainBlockContainer"] [data-testid="stBaseButton-primary"] { min-height: 3rem; }
[data-testid="stButtonGroup"] [role=radiogroup] { gap: 0.4rem; }
/* a link's words wrap on a narrow screen instead of being cut off */
[data-testid="stPageLink"] * { white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stButtonGroup"] button { flex: 0 0 auto; min-width: 2.6rem; justify-content: center; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {
    padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3.5rem;
  }
  /* 0-10 as two even rows (0-5, 6-10): big enough to tap */
  [data-testid="stButtonGroup"] button { flex: 0 0 calc((100% - 5 * 0.4rem) / 6); }
}
</style>"""


@dataclass(frozen=True)
class PatientPage:
    """A signed-in patient with a record, and their language."""

    user: SignedIn
    patient_id: int
    language: str

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def exercise(self, exercise_id: str) -> Exercise | None:
        """The exercise in the patient's language (None when the library has no such id)."""
        try:
            return localized(exercise_library().get(exercise_id), self.language)
        except UnknownExerciseError:
            return None

    def exercise_name(self, exercise_id: str) -> str:
        found = self.exercise(exercise_id)
        return found.name if found is not None else exercise_id

    def dose(self, item: ProgramItem) -> str:
        """'3 sets of 10 repetitions · Left side' in the patient's language."""
        found = self.exercise(item.exercise_id)
        alternating = found is not None and found.sides is SideMode.ALTERNATING
        reps = item.reps if item.hold_s is None else None
        parts = [words.dose(item.sets, reps, item.hold_s, self.t)]
        parts.append(words.side(item.side, alternating, self.t))
        return " · ".join(parts)


def language_for(user: SignedIn) -> str:
    """A patient's language (read from the store on every run: a therapist may change it)."""
    if user.role is not Role.PATIENT or user.patient_id is None:
        return "en"
    try:
        with transaction() as tx:
            language = patient_language(tx, user.actor, user.patient_id)
    except RehabError:  # the record is gone: the page itself says so
        language = "en"
    st.session_state[LANGUAGE_KEY] = language
    return language


def current_language() -> str:
    """The language navigation read for this run (English before it has)."""
    value = st.session_state.get(LANGUAGE_KEY)
    return value if isinstance(value, str) else "en"


def open_patient_page() -> PatientPage | None:
    """The signed-in patient (None, with a message, when they have no record); the page
    stops for anyone who is not a patient."""
    user = current_user()
    if user is None or user.role is not Role.PATIENT:
        st.warning("This page is for patients.")
        st.stop()
        raise AssertionError("unreachable")
    language = st.session_state.get(LANGUAGE_KEY)
    if not isinstance(language, str):
        language = language_for(user)
    st.html(_CSS)
    if user.patient_id is None:
        st.error(translator(language).gettext(NO_RECORD))
        return None
    return PatientPage(user, user.patient_id, language)
