"""Outcome measures on the clinic's pages: the scores' trend (progress page) and the
therapist's assignments (prescriptions page). The form a patient fills in, in their
language, is `rehab.dashboard.questionnaire_form`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import streamlit as st

from rehab.core.questionnaire import Questionnaire, describe_reading, read_change
from rehab.dashboard import formatting as fmt
from rehab.dashboard.outcome_charts import outcome_figure
from rehab.dashboard.state import (
    SignedIn,
    questionnaire_library,
    show_error,
    transaction,
)
from rehab.errors import RehabError
from rehab.store import (
    Assignment,
    OutcomeScore,
    assign_questionnaire,
    assignments,
    end_assignment,
)


def outcomes_section(scores: Sequence[OutcomeScore], zone: ZoneInfo) -> None:
    """Per questionnaire answered in the period: the latest score against the first (is the
    change clinically important?) and the chart."""
    if not scores:
        return
    library = questionnaire_library()
    by_id: dict[str, list[OutcomeScore]] = defaultdict(list)
    for score in scores:
        by_id[score.questionnaire_id].append(score)
    st.subheader("Outcome measures")
    for questionnaire_id, rows in by_id.items():
        found = library.questionnaires.get(questionnaire_id)
        if found is None:
            st.warning(f"Scores of an unknown questionnaire '{questionnaire_id}' are not shown.")
            continue
        st.markdown(f"**{found.name}**: {outcome_line(found, rows)}")
        st.plotly_chart(outcome_figure(rows, found, zone), key=f"outcome_{questionnaire_id}")


def outcome_line(questionnaire: Questionnaire, rows: Sequence[OutcomeScore]) -> str:
    """'48 (+12 since the first: improved, MCID 9) · moderate' for the latest score."""
    known = [r.score for r in rows if r.score is not None]
    if not known:
        return "no score yet"
    reading = read_change(questionnaire, known[0] if len(known) > 1 else None, known[-1])
    band = f" · {reading.band}" if reading.band else ""
    return f"{describe_reading(questionnaire, reading)}{band} ({len(known)} answered)"


# -- the therapist assigns one -----------------------------------------------------------------


def assignments_section(user: SignedIn, patient_id: int, today: dt.date) -> None:
    """The patient's questionnaires (every N days, next due, end) and a form to add one."""
    library = questionnaire_library()
    try:
        with transaction() as tx:
            current = assignments(tx, user.actor, patient_id)
    except RehabError as exc:
        show_error(exc)
        return
    for a in current:
        _assignment_row(user, a, library.name_of(a.questionnaire_id), today)
    if library.problems:
        st.warning("Questionnaire files with problems: " + "; ".join(library.problems))
    if not library.questionnaires:
        return
    with st.form("assign_outcome", clear_on_submit=True):
        ids = sorted(library.questionnaires)
        cols = st.columns([3, 1, 2])
        picked = cols[0].selectbox(
            "Questionnaire", ids, format_func=library.name_of, key="assign_outcome_id"
        )
        every = cols[1].number_input("Every (days)", 1, 365, 14, key="assign_outcome_every")
        start = cols[2].date_input("From", value=today, key="assign_outcome_start")
        activities = st.text_input(
            "Patient-specific activities, separated by ; (PSFS: up to 5, in the patient's words)",
            key="assign_outcome_labels",
        )
        if st.form_submit_button("Assign", key="assign_outcome_submit"):
            labels = [a for a in activities.split(";") if a.strip()]
            _assign(user, patient_id, library.get(picked), int(every), start, labels)


def _assignment_row(user: SignedIn, a: Assignment, name: str, today: dt.date) -> None:
    due = (
        "ended" if a.next_due is None
        else "due now" if a.next_due <= today
        else f"next on {fmt.day(a.next_due)}"
    )  # fmt: skip
    last = f", last answered {fmt.day(a.last_answered)}" if a.last_answered else ""
    activities = f" · activities: {'; '.join(a.labels)}" if a.labels else ""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.write(f"**{name}** every {a.every_days} days from {fmt.day(a.start_date)}: "
               f"{due}{last}{activities}")  # fmt: skip
    if a.next_due is not None and right.button("Stop", key=f"stop_outcome_{a.assignment_id}"):
        try:
            with transaction() as tx:
                end_assignment(tx, user.actor, a.assignment_id, today)
        except RehabError as exc:
            show_error(exc)
            return
        st.rerun()


def _assign(
    user: SignedIn,
    patient_id: int,
    questionnaire: Questionnaire,
    every: int,
    start: dt.date,
    labels: list[str],
) -> None:
    try:
        with transaction() as tx:
            assign_questionnaire(tx, user.actor, patient_id, questionnaire, every, start, labels)
    except RehabError as exc:
        show_error(exc)
        return
    st.rerun()
