"""Forms a therapist (or an admin) uses for patients: add one (with a one-time sign-in code
or a first password), edit one, and give a new sign-in code."""

from __future__ import annotations

import streamlit as st

from rehab.core.results import Side
from rehab.dashboard.state import SignedIn, show_error, transaction
from rehab.errors import RehabError
from rehab.store import (
    PASSWORD_RULE,
    NewPatient,
    PatientFields,
    add_patient,
    issue_sign_in_code,
    update_patient,
)
from rehab.store.queries import PatientDetail, patient_detail

CODE = "One-time sign-in code (the patient chooses their password)"
PASSWORD = "A first password I give them"
CODE_KEY = "patient_form_code"  # the code to show once, with whom it is for


def _fields(form: str, current: PatientDetail | None = None) -> PatientFields:
    left, right = st.columns(2)
    name = left.text_input("Full name", value=current.name if current else "", key=f"{form}_name")
    condition = right.text_input(
        "Condition",
        value=current.condition if current else "",
        placeholder="e.g. knee OA, rotator cuff repair",
        key=f"{form}_condition",
    )
    sides = list(Side)
    side = left.selectbox(
        "Affected side",
        sides,
        index=sides.index(current.affected_side) if current else 0,
        format_func=lambda s: s.value,
        key=f"{form}_side",
    )
    notes = right.text_input(
        "Notes (for the clinic)", value=current.notes if current else "", key=f"{form}_notes"
    )
    consent = st.checkbox(
        "The patient agrees to keep pose landmarks for replay",
        value=current.store_landmarks if current else False,
        key=f"{form}_landmarks",
    )
    return PatientFields(name, condition, Side(side), notes, consent)


def add_patient_form(user: SignedIn, therapist_id: int | None = None) -> NewPatient | None:
    """A new patient on the actor's list (or `therapist_id`'s, for an admin)."""
    form = "add_patient"
    with st.form(form, clear_on_submit=True):
        fields = _fields(form)
        left, right = st.columns(2)
        username = left.text_input("Username", key=f"{form}_username")
        how = right.radio("Sign-in", [CODE, PASSWORD], key=f"{form}_how")
        password = st.text_input(
            f"First password ({PASSWORD_RULE}; only with a first password)",
            type="password",
            key=f"{form}_password",
        )
        if not st.form_submit_button("Add patient", key=f"{form}_submit"):
            return None
    try:
        with transaction() as tx:
            added = add_patient(
                tx,
                user.actor,
                username,
                fields,
                password=password if how == PASSWORD else None,
                therapist_id=therapist_id,
            )
    except RehabError as exc:
        show_error(exc)
        return None
    if added.sign_in_code is not None:
        st.session_state[CODE_KEY] = (added.username, added.sign_in_code)
    st.toast(f"{fields.display_name} added (username {added.username}).")
    return added


def edit_patient_form(user: SignedIn, names: dict[int, str]) -> bool:
    """Edit one of the actor's patients; True when saved."""
    if not names:
        return False
    form = "edit_patient"
    picked = st.selectbox("Patient", list(names), format_func=names.__getitem__, key=f"{form}_pick")
    try:
        with transaction() as tx:
            current = patient_detail(tx, user.actor, int(picked))
    except RehabError as exc:
        show_error(exc)
        return False
    with st.form(f"{form}_{picked}"):
        fields = _fields(f"{form}_{picked}", current)  # keys per patient: no carried values
        saved = st.form_submit_button("Save changes", key=f"{form}_submit")
    if st.button("New one-time sign-in code", key=f"{form}_code"):
        _new_code(user, current)
    if not saved:
        return False
    try:
        with transaction() as tx:
            update_patient(tx, user.actor, current.patient_id, fields)
    except RehabError as exc:
        show_error(exc)
        return False
    st.toast(f"{fields.display_name}: saved.")
    return True


def _new_code(user: SignedIn, patient: PatientDetail) -> None:
    try:
        with transaction() as tx:
            code = issue_sign_in_code(tx, user.actor, patient.patient_id)
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state[CODE_KEY] = (patient.name, code)


def show_code_once() -> None:
    """The sign-in code just made, shown once (it is stored only as a hash)."""
    found = st.session_state.pop(CODE_KEY, None)
    if not isinstance(found, tuple):
        return
    who, code = found
    st.warning(
        f"One-time sign-in code for **{who}**: give it to the patient now; it is not shown "
        "again. On the sign-in page they choose **First time? Use your sign-in code**, enter "
        "their username and this code, and choose their own password. It works once, for "
        "14 days."
    )
    st.code(code, language=None)
