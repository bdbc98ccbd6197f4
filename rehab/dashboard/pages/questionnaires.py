"""Questionnaires (patient): the outcome measures the therapist asked for that are due,
each as a short form; the answers are scored with the questionnaire's own rule and the
therapist sees the trend on the progress page and in the reports."""

from __future__ import annotations

import streamlit as st

from rehab.dashboard.outcomes_view import due_questionnaires, questionnaire_form
from rehab.dashboard.state import require_role, show_error
from rehab.domain import Role
from rehab.errors import RehabError

DONE_KEY = "questionnaire_saved"


def main() -> None:
    user = require_role(Role.PATIENT)
    st.title("Questionnaires")
    if user.patient_id is None:
        st.info("Your account has no patient record yet: ask your therapist to set it up.")
        return
    if st.session_state.pop(DONE_KEY, False):
        st.success("Thank you: your answers are saved for your therapist.")
    try:
        due = due_questionnaires(user, user.patient_id)
    except RehabError as exc:
        show_error(exc)
        return
    if not due:
        st.info("No questionnaire to fill in today. Your therapist will ask when one is due.")
        return
    st.caption("Your therapist asks these regularly to see how you are doing.")
    for assignment in due:
        if questionnaire_form(user, user.patient_id, assignment):
            st.session_state[DONE_KEY] = True
            st.rerun()


if __name__ == "__main__":
    main()
