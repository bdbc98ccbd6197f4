"""Questionnaires (patient): the outcome measures the therapist asked for that are due,
each as a short form in the patient's language (the instrument's own words only where the
questionnaire file carries a licensed translation); the answers are scored with the
questionnaire's own rule and the therapist sees the trend on the progress page and in the
reports."""

from __future__ import annotations

import streamlit as st

from rehab.dashboard.navigation import QUESTIONNAIRES, page_path
from rehab.dashboard.patient_view import BACK, PatientPage, open_patient_page
from rehab.dashboard.questionnaire_form import due_questionnaires, questionnaire_form
from rehab.dashboard.safe_text import plain
from rehab.errors import RehabError
from rehab.i18n import N_

DONE_KEY = "questionnaire_saved"
SAVED = N_("Thank you: your answers are saved for your therapist.")
NONE_DUE = N_("No questionnaire to fill in today. Your therapist will ask when one is due.")
WHY = N_("Your therapist asks these regularly to see how you are doing.")


def _body(page: PatientPage) -> None:
    t = page.t
    if st.session_state.pop(DONE_KEY, False):
        st.success(t.gettext(SAVED))
    due = due_questionnaires(page)
    if not due:
        st.info(t.gettext(NONE_DUE))
        return
    st.caption(t.gettext(WHY))
    for assignment in due:
        if questionnaire_form(page, assignment):
            st.session_state[DONE_KEY] = True
            st.rerun()


def main() -> None:
    page = open_patient_page()
    if page is None:
        return
    st.title(page.t.gettext(QUESTIONNAIRES), anchor=False)
    try:
        _body(page)
    except RehabError as exc:
        st.error(plain(exc))
    st.page_link(page_path("home"), label=page.t.gettext(BACK), icon=":material/home:")


if __name__ == "__main__":
    main()
