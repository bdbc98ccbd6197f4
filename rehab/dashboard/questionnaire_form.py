"""A questionnaire the patient fills in, in their language (for any patient page).

The page's own words (buttons, instructions, messages, "no answer") go through the patient's
catalogue. A validated instrument's items are never translated here: the questionnaire file
carries a licensed translation (`translations:`) or the patient is told, in their language,
that it is only available in English and sees the original.
"""

from __future__ import annotations

import logging

import streamlit as st

from rehab.clinic_time import today as clinic_today
from rehab.core.questionnaire import Questionnaire, Scale, in_language
from rehab.dashboard.check_in import SAVE  # the same words as after a session
from rehab.dashboard.patient_view import PatientPage
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import clinic_zone, questionnaire_library, transaction
from rehab.errors import RehabError
from rehab.i18n import N_, Translator
from rehab.store import Assignment, assignments, record_outcome

log = logging.getLogger(__name__)

NO_ANSWER = N_("No answer")
ONLY_IN_ENGLISH = N_(
    "This questionnaire is only available in English. If anything is unclear, ask your therapist."
)
ACTIVITY = N_("Activity {n} (leave empty if none)")
RATE = N_("Activity {n}")
NAME_IT = N_("Write down activity {n}, or leave its answer as “No answer”.")
TOO_FEW = N_("Please answer at least {n} of the questions.")
NOT_SAVED = N_("Your answers could not be saved. Please try again, or tell your therapist.")
UNAVAILABLE = N_("This questionnaire cannot be shown right now. Please tell your therapist.")


def due_questionnaires(page: PatientPage) -> list[Assignment]:
    """The questionnaires due today for the patient."""
    with transaction() as tx:
        found = assignments(tx, page.user.actor, page.patient_id)
    today = clinic_today(clinic_zone())
    return [a for a in found if a.due_on(today)]


def questionnaire_form(page: PatientPage, assignment: Assignment) -> bool:
    """The questionnaire of an assignment as a form; True once the answers are saved."""
    t = page.t
    try:
        original = questionnaire_library().get(assignment.questionnaire_id)
    except RehabError as exc:
        log.warning("questionnaire assignment #%s: %s", assignment.assignment_id, exc)
        st.error(t.gettext(UNAVAILABLE))
        return False
    shown = in_language(original, page.language)
    key = f"outcome_{assignment.assignment_id}"
    with st.form(key):
        st.markdown(f"**{plain((shown or original).name)}**")
        if shown is None:
            st.info(t.gettext(ONLY_IN_ENGLISH), icon=":material/translate:")
        st.caption(plain((shown or original).instructions))
        answers, labels, unnamed = _items(shown or original, assignment, key, t)
        sent = st.form_submit_button(t.gettext(SAVE), type="primary", key=f"{key}_submit")
    if not sent:
        return False
    return _save(page, original, assignment, answers, labels, unnamed)


def _save(
    page: PatientPage,
    questionnaire: Questionnaire,
    assignment: Assignment,
    answers: dict[str, int | None],
    labels: list[str],
    unnamed: list[int],
) -> bool:
    t = page.t
    if unnamed:
        st.error(t.gettext(NAME_IT).format(n=unnamed[0]))
        return False
    if questionnaire.score(answers) is None:
        st.error(t.gettext(TOO_FEW).format(n=questionnaire.scoring.min_answered))
        return False
    try:
        with transaction() as tx:
            record_outcome(tx, page.user.actor, page.patient_id, questionnaire, answers,
                           assignment_id=assignment.assignment_id, labels=labels)  # fmt: skip
    except RehabError as exc:
        log.warning("questionnaire assignment #%s not saved: %s", assignment.assignment_id, exc)
        st.error(t.gettext(NOT_SAVED))
        return False
    return True


def _items(
    q: Questionnaire, assignment: Assignment, key: str, t: Translator
) -> tuple[dict[str, int | None], list[str], list[int]]:
    """One answer per item (a patient-specific slot: the activity, given or typed, and its
    answer). Also the slots answered without an activity named (numbered from 1)."""
    answers: dict[str, int | None] = {}
    labels: list[str] = []
    unnamed: list[int] = []
    for n, item in enumerate(q.items, start=1):
        scale = q.scale_of(item)
        text = f"{n}. {item.text}"
        if q.patient_specific is not None:
            given = assignment.labels[n - 1] if n <= len(assignment.labels) else ""
            label = t.gettext(ACTIVITY).format(n=n)
            text = given or st.text_input(label, key=f"{key}_{item.id}_label")
            labels.append(text)
        picked = _answer(text or t.gettext(RATE).format(n=n), scale, f"{key}_{item.id}", t)
        if q.patient_specific is not None and not text.strip():
            unnamed += [n] if picked is not None else []
            picked = None
        answers[item.id] = picked
    return answers, labels, unnamed


def _answer(label: str, scale: Scale, key: str, t: Translator) -> int | None:
    """A scale read as words lists them; a numeric one is a row of bare numbers (two short
    lines on a phone) with its anchors said once below it."""
    no_answer = t.gettext(NO_ANSWER)
    values = range(scale.min, scale.max + 1)
    worded = scale.worded
    picked = st.radio(
        plain(label),
        [None, *values],
        index=0,
        horizontal=not worded,
        format_func=lambda v: no_answer if v is None else _option(scale, v, worded),
        key=key,
    )
    legend = [_option(scale, v, True) for v in values if _anchor(scale, v)]
    if legend and not worded:
        st.caption(" — ".join(legend))
    return None if picked is None else int(picked)


def _option(scale: Scale, value: int, with_anchor: bool) -> str:
    return f"{value}{_anchor(scale, value)}" if with_anchor else str(value)


def _anchor(scale: Scale, value: int) -> str:
    label = scale.label(value)
    return "" if label == str(value) else f" · {plain(label)}"
