"""Prescriptions: a patient's programs (with their progression and this week's figures), an
editor to assign, change or end exercises from the YAML library (each exercise starts from
its own defaults and the patient's affected side), program templates, and the outcome
measures (questionnaires) the patient is asked to fill in."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rehab.dashboard import formatting as fmt
from rehab.dashboard.for_the_patient import for_the_patient
from rehab.dashboard.outcomes_view import assignments_section
from rehab.dashboard.program_editor import DRAFT_KEY, add_exercise, describe, draft, draft_list
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import (
    SignedIn,
    clinic_zone,
    exercise_library,
    require_role,
    show_error,
    today,
    transaction,
)
from rehab.dashboard.widgets import pick_patient
from rehab.domain import Role
from rehab.errors import RehabError
from rehab.store import (
    ExercisePlan,
    end_program,
    list_templates,
    prescribe,
    save_program_as_template,
    start_from_template,
)
from rehab.store.queries import PatientDetail, Program, patient_detail

CONFIRM_KEY = "confirm_end_program"


def program_table(program: Program, day: dt.date) -> pd.DataFrame:
    library = exercise_library()
    return pd.DataFrame(
        [
            {
                "Exercise": fmt.exercise_name(library, item.exercise_id),
                "Prescription": describe(item, program.start_date, day),
                "Notes for the patient": item.notes_for_patient,
            }
            for item in program.items
        ]
    )


def _status(program: Program, day: dt.date) -> str:
    if program.active_on(day):
        return "current"
    return "upcoming" if program.start_date > day else "ended"


def _show_program(user: SignedIn, program: Program, day: dt.date) -> None:
    status = _status(program, day)
    until = f"until {fmt.day(program.end_date)}" if program.end_date else "no end date"
    with st.expander(
        f"{plain(program.title)} · {status} · from {fmt.day(program.start_date)}, {until} · "
        f"{program.sessions_per_week}×/week",
        expanded=status == "current",
    ):
        if program.clinical_notes:
            st.caption(f"For the clinic: {plain(program.clinical_notes)}")
        if program.patient_notes:
            st.caption(f"To the patient: {plain(program.patient_notes)}")
        st.table(program_table(program, day), hide_index=True)  # wraps: nothing cut off
        left, right = st.columns(2)
        if status != "ended" and left.button(
            "End this program today", key=f"end_{program.prescription_id}"
        ):
            st.session_state[CONFIRM_KEY] = program.prescription_id
        _save_as_template(user, program, right)
    if st.session_state.get(CONFIRM_KEY) == program.prescription_id:
        _confirm_end(user, program, day)


def _confirm_end(user: SignedIn, program: Program, day: dt.date) -> None:
    """A destructive action asks first: the patient's home page loses the program today."""
    st.warning(
        f"End “{program.title}” today? The patient will no longer see it, and sessions "
        "after today will not count for it. Its past sessions keep their program."
    )
    yes, no = st.columns(2)
    if yes.button("Yes, end it today", type="primary", key=f"end_yes_{program.prescription_id}"):
        st.session_state.pop(CONFIRM_KEY, None)
        _end(user, program, max(program.start_date, day))
    if no.button("No, keep it", key=f"end_no_{program.prescription_id}"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def _end(user: SignedIn, program: Program, last_day: dt.date) -> None:
    try:
        with transaction() as tx:
            end_program(tx, user.actor, program.prescription_id, last_day)
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state.pop(DRAFT_KEY, None)
    st.rerun()


def _save_as_template(
    user: SignedIn, program: Program, where: st.delta_generator.DeltaGenerator
) -> None:
    with where.popover("Save as a template", key=f"template_{program.prescription_id}"):
        name = st.text_input(
            "Template name", value=program.title, key=f"tname_{program.prescription_id}"
        )
        if st.button("Save template", key=f"tsave_{program.prescription_id}"):
            try:
                with transaction() as tx:
                    save_program_as_template(tx, user.actor, program.prescription_id, name)
            except RehabError as exc:
                show_error(exc)
                return
            st.toast(f"Template “{name.strip()}” saved")


def _from_template(user: SignedIn, patient: PatientDetail, day: dt.date) -> None:
    with transaction() as tx:
        templates = list_templates(tx, user.actor)
    if not templates:
        st.caption("No program templates yet: save a program as a template to reuse it.")
        return
    by_id = {t.template_id: t for t in templates}
    with st.form("from_template"):
        cols = st.columns([3, 2])
        picked = cols[0].selectbox(
            "Template", list(by_id),
            format_func=lambda i: f"{by_id[i].name} ({len(by_id[i].items)} exercises, "
                                  f"{by_id[i].sessions_per_week}×/week, by {by_id[i].owner_name})",
            key="template_pick",
        )  # fmt: skip
        start = cols[1].date_input("Starts", value=day, min_value=day, key="template_start")
        st.caption("Sides marked “affected” become the patient's affected side; the current "
                   "program ends the day before.")  # fmt: skip
        if st.form_submit_button("Start this program", key="template_submit"):
            try:
                with transaction() as tx:
                    start_from_template(tx, user.actor, patient.patient_id, int(picked), start)
            except RehabError as exc:
                show_error(exc)
                return
            st.session_state.pop(DRAFT_KEY, None)
            st.rerun()


def _save_form(
    user: SignedIn,
    patient_id: int,
    plans: list[ExercisePlan],
    current: Program | None,
    day: dt.date,
) -> None:
    with st.form("save_program"):
        cols = st.columns([3, 1, 2])
        title = cols[0].text_input(
            "Program title", value=current.title if current else "Home program"
        )
        per_week = cols[1].number_input(
            "Sessions a week", 1, 21, current.sessions_per_week if current else 3
        )
        start = cols[2].date_input("Starts", value=day, min_value=day - dt.timedelta(days=30))
        left, right = st.columns(2)
        patient_notes = left.text_area(
            "Note to the patient (on their page, handout and reminders)",
            value=current.patient_notes if current else "",
            height=70,
        )
        clinical_notes = right.text_area(
            "Notes for the clinic (never shown to the patient)",
            value=current.clinical_notes if current else "",
            height=70,
        )
        replaces = " It replaces the current program from that day." if current else ""
        st.caption("Saving creates a new program version; past sessions keep theirs." + replaces)
        if st.form_submit_button("Save program", type="primary", key="save_program_submit"):
            notes = (clinical_notes, patient_notes)
            _save(user, patient_id, plans, current, (title, int(per_week), start, notes))


def _save(
    user: SignedIn,
    patient_id: int,
    plans: list[ExercisePlan],
    current: Program | None,
    fields: tuple[str, int, dt.date, tuple[str, str]],
) -> None:
    title, per_week, start, (clinical_notes, patient_notes) = fields
    if not plans:
        st.error("Add at least one exercise before saving.")
        return
    try:
        with transaction() as tx:
            if current is not None:
                last = max(current.start_date, start - dt.timedelta(days=1))
                end_program(tx, user.actor, current.prescription_id, last)
            prescribe(
                tx, user.actor, patient_id, title.strip() or "Home program", plans, per_week,
                start, clinical_notes=clinical_notes, patient_notes=patient_notes,
            )  # fmt: skip
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state.pop(DRAFT_KEY, None)
    st.toast("Program saved")
    st.rerun()


def main() -> None:
    user = require_role(Role.ADMIN, Role.THERAPIST)
    st.title("Prescriptions")
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        day = today(clinic_zone())
        with transaction() as tx:
            patient = patient_detail(tx, user.actor, patient_id)
    except RehabError as exc:
        show_error(exc)
        return
    st.caption(
        f"{plain(patient.name)} · "
        f"{plain(fmt.condition_and_side(patient.condition, patient.affected_side))}"
    )
    for_the_patient(user, patient)
    current = next((p for p in patient.programs if p.active_on(day)), None)
    if not patient.programs:
        st.info("No program yet: build the first one below, or start from a template.")
    for program in patient.programs:
        _show_program(user, program, day)
    with st.expander("Start from a template", icon=":material/content_copy:"):
        _from_template(user, patient, day)
    st.subheader("Change the program" if current else "New program")
    plans = draft(patient_id, current)
    draft_list(plans, day)
    add_exercise(plans, patient.affected_side)
    _save_form(user, patient_id, plans, current, day)
    st.subheader("Outcome measures")
    assignments_section(user, patient_id, day)


if __name__ == "__main__":
    main()
