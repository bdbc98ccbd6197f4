"""Users (admin): the clinic's time zone, every account, and forms to add therapists and
patients."""

from __future__ import annotations

from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from rehab.core.results import Side
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import SignedIn, require_role, show_error, transaction
from rehab.domain import Role
from rehab.errors import RehabError
from rehab.store import (
    PASSWORD_RULE,
    UserRow,
    clinic_settings,
    create_patient,
    create_user,
    list_users,
    reset_password,
    set_active,
    set_time_zone,
    user_names,
)

PASSWORD_LABEL = f"First password ({PASSWORD_RULE})"
DEACTIVATE, REACTIVATE, RESET = "Deactivate", "Reactivate", "Set a new password"


def users_table(rows: list[UserRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Name": r.display_name,
                "Username": r.username,
                "Role": r.role.value,
                "Therapist": r.therapist_name or "",
                "Condition": r.condition or "",
                "Active": r.is_active,
            }
            for r in rows
        ]
    )


def _add_therapist(user: SignedIn) -> None:
    with st.form("add_therapist", clear_on_submit=True):
        st.markdown("**Add a therapist**")
        name = st.text_input("Full name", key="t_name")
        username = st.text_input("Username", key="t_username")
        password = st.text_input(PASSWORD_LABEL, type="password", key="t_pw")
        if not st.form_submit_button("Add therapist", key="add_therapist_submit"):
            return
    try:
        with transaction() as tx:
            create_user(tx, user.actor, username.strip(), name.strip(), Role.THERAPIST, password)
    except RehabError as exc:
        show_error(exc)
        return
    st.success(f"Therapist '{plain(username.strip())}' added.")


def _add_patient(user: SignedIn, therapists: dict[int, str]) -> None:
    if not therapists:
        st.info("Add a therapist first: every patient is followed by a therapist.")
        return
    with st.form("add_patient", clear_on_submit=True):
        st.markdown("**Add a patient**")
        left, right = st.columns(2)
        name = left.text_input("Full name", key="p_name")
        username = right.text_input("Username", key="p_username")
        password = left.text_input(PASSWORD_LABEL, type="password", key="p_pw")
        therapist = right.selectbox(
            "Therapist", list(therapists), format_func=therapists.__getitem__, key="p_therapist"
        )
        condition = left.text_input(
            "Condition", placeholder="e.g. knee OA, rotator cuff repair", key="p_condition"
        )
        side = right.selectbox("Affected side", [s.value for s in Side], key="p_side")
        landmarks = st.checkbox(
            "The patient agrees to keep pose landmarks for replay", key="p_landmarks"
        )
        if not st.form_submit_button("Add patient", key="add_patient_submit"):
            return
    try:
        with transaction() as tx:
            user_id = create_user(
                tx, user.actor, username.strip(), name.strip(), Role.PATIENT, password
            )
            create_patient(
                tx,
                user.actor,
                user_id,
                therapist,
                condition.strip(),
                Side(side),
                store_landmarks=landmarks,
            )
    except RehabError as exc:
        show_error(exc)
        return
    st.success(f"Patient '{plain(username.strip())}' added.")


def _account_label(row: UserRow) -> str:
    state = "" if row.is_active else ", inactive"
    return f"{row.display_name} ({row.username}, {row.role.value}{state})"


def _manage_account(user: SignedIn, rows: list[UserRow]) -> None:
    """Deactivate (ends their sign-in at once), reactivate, or set a new password (ends
    their sign-in sessions; they sign in again with it)."""
    by_id = {r.user_id: r for r in rows}
    with st.form("manage_account", clear_on_submit=True):
        st.markdown("**Manage an account**")
        left, right = st.columns(2)
        user_id = left.selectbox(
            "Account", list(by_id), index=None, placeholder="Choose an account",
            format_func=lambda i: _account_label(by_id[i]),
            key="manage_user",
        )  # fmt: skip
        action = right.radio("Action", [DEACTIVATE, REACTIVATE, RESET], key="manage_action")
        password = right.text_input(
            f"New password ({PASSWORD_RULE}; for a new password only)",
            type="password",
            key="manage_pw",
        )
        if not st.form_submit_button("Apply", key="manage_submit"):
            return
    if user_id is None:
        st.error("Choose an account first.")
        return
    target = by_id[user_id]
    try:
        with transaction() as tx:
            if action == RESET:
                reset_password(tx, user.actor, target.user_id, password)
            else:
                set_active(tx, user.actor, target.user_id, action == REACTIVATE)
    except RehabError as exc:
        show_error(exc)
        return
    done = {DEACTIVATE: "deactivated: signed out everywhere", REACTIVATE: "reactivated",
            RESET: "has a new password: signed out everywhere"}[action]  # fmt: skip
    st.success(f"'{plain(target.username)}' {done}.")


def _clinic_settings(user: SignedIn) -> None:
    """The clinic's time zone: what "today", weeks, session times and reports mean."""
    with transaction() as tx:
        current = clinic_settings(tx).time_zone
    zones = sorted(available_timezones() | {current})
    with st.form("clinic_settings"):
        st.markdown("**Clinic time zone**")
        st.caption(
            "Days, weeks (Monday first), the adherence calendar, session times and reports "
            "are in this time zone; times are stored in UTC."
        )
        zone = st.selectbox("Time zone", zones, index=zones.index(current), key="clinic_zone")
        if not st.form_submit_button("Save time zone", key="clinic_zone_submit"):
            return
    try:
        with transaction() as tx:
            set_time_zone(tx, user.actor, zone)
    except RehabError as exc:
        show_error(exc)
        return
    st.success(f"Clinic time zone: {zone}.")


def main() -> None:
    user = require_role(Role.ADMIN)
    st.title("Users")
    _clinic_settings(user)
    left, right = st.columns(2)
    with left:
        _add_therapist(user)
    with transaction() as tx:
        therapists = user_names(tx, user.actor, Role.THERAPIST)
    with right:
        _add_patient(user, therapists)
    with transaction() as tx:
        rows = list_users(tx, user.actor)
    _manage_account(user, rows)
    with transaction() as tx:
        rows = list_users(tx, user.actor)  # as changed just now
    st.subheader(f"Accounts ({len(rows)})")
    st.dataframe(users_table(rows), hide_index=True, key="users_table")


if __name__ == "__main__":
    main()
