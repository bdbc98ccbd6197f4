"""Patients: who needs attention first, adherence this week and over four weeks, last session,
latest recorded pain and alerts (severity in colour, the whole text, exercises by name);
search, filter, click through to a patient's progress; add and edit patients."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rehab.dashboard import formatting as fmt
from rehab.dashboard.navigation import page_path
from rehab.dashboard.patient_forms import add_patient_form, edit_patient_form, show_code_once
from rehab.dashboard.state import SignedIn, choose_patient, require_role, transaction
from rehab.dashboard.widgets import exercise_name
from rehab.domain import Role
from rehab.store import AlertSeverity, clinic_settings
from rehab.store.queries import PatientSummary, list_patients

SEVERITIES = [s.value for s in sorted(AlertSeverity, key=lambda s: -s.rank)]


def patient_rows(
    patients: list[PatientSummary], now: dt.datetime, zone: dt.tzinfo = dt.UTC
) -> pd.DataFrame:
    """One row per patient, the most urgent first (worst alert, then name)."""
    rows = [
        {
            "id": p.patient_id,
            "Patient": p.name,
            "Condition": fmt.condition(p.condition, p.affected_side),
            "Therapist": p.therapist_name,
            "This week": fmt.sessions_this_week(p.sessions_last_7d, p.sessions_per_week),
            "Adherence 4 wk": None if p.adherence_28d is None else 100 * p.adherence_28d,
            "Last session": fmt.ago(p.last_activity_at, now, zone),
            "Latest pain": _pain(p),
            "Severity": fmt.SEVERITY_LABEL[p.top_alert.severity] if p.top_alert else "",
            "Alerts": " · ".join(fmt.alert_text(a, exercise_name) for a in p.alerts),
            "severity": p.top_alert.severity.value if p.top_alert else "",
            "rank": p.top_alert.severity.rank if p.top_alert else 0,
        }
        for p in patients
    ]
    table = pd.DataFrame(rows)
    return table.sort_values(["rank", "Patient"], ascending=[False, True], ignore_index=True)


def _pain(p: PatientSummary) -> str:
    """The latest RECORDED pain; a later skipped check-in is said, never shown as 0."""
    shown = fmt.pain(p.latest_pain.pain if p.latest_pain else None)
    return f"{shown} (last check-in skipped)" if p.last_check_in_skipped else shown


def filter_rows(table: pd.DataFrame, text: str, severities: list[str]) -> pd.DataFrame:
    if text.strip():
        needle = text.strip().lower()
        hay = (table["Patient"] + " " + table["Condition"] + " " + table["Therapist"]).str.lower()
        table = table[hay.str.contains(needle, regex=False)]
    if severities:
        table = table[table["severity"].isin(severities)]
    return table


def _filters() -> tuple[str, list[str]]:
    left, right = st.columns([2, 3])
    text = left.text_input("Search", placeholder="name, condition or therapist", key="search")
    severities = right.multiselect(
        "Alert severity", SEVERITIES, placeholder="all patients", key="severity"
    )
    return text, severities


def _summary(table: pd.DataFrame) -> None:
    cols = st.columns(4)
    cols[0].metric("Patients", len(table))
    cols[1].metric("Critical alerts", int((table["severity"] == "critical").sum()))
    cols[2].metric("High alerts", int((table["severity"] == "high").sum()))
    adherence = table["Adherence 4 wk"].dropna()
    cols[3].metric(
        "Median adherence, 4 wk", fmt.pct(adherence.median()) if len(adherence) else fmt.DASH
    )


SEVERITY_STYLE = {
    "CRITICAL": "background-color: #fde2e1; color: #9b1c1c; font-weight: 600",
    "High": "background-color: #fff1d6; color: #8a4b00; font-weight: 600",
    "Low": "background-color: #e3f0fb; color: #1d4f7a",
}
LINE_PX, ROW_PAD_PX, MIN_ROW_PX, MAX_ROW_PX = 21, 14, 68, 150  # > 64 px: the grid wraps text
ALERTS_PX, CHARS_A_LINE = 350, 48  # the alerts column, and what a line of it holds


def _row_height(table: pd.DataFrame) -> int:
    """Tall enough for the longest alert text, wrapped, never under the height from which
    the grid wraps text."""
    lines = max((1 + len(a) // CHARS_A_LINE for a in table["Alerts"] if a), default=1)
    return max(MIN_ROW_PX, min(MAX_ROW_PX, ROW_PAD_PX + LINE_PX * lines))


def _table(table: pd.DataFrame, show_therapist: bool) -> int | None:
    """The most telling columns first (who, how urgent, why, when last), so that on a
    laptop (1440 px) they are whole without scrolling sideways."""
    columns = ["Patient", "Severity", "Alerts", "Latest pain", "This week", "Adherence 4 wk"]
    columns += ["Last session", "Condition"]
    if show_therapist:
        columns.insert(1, "Therapist")
    row_px = _row_height(table)
    styled = table.style.map(lambda v: SEVERITY_STYLE.get(v, ""), subset=["Severity"])
    event = st.dataframe(
        styled,
        column_order=columns,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="patient_table",
        row_height=row_px,
        height=min(40 + row_px * len(table), 40 + row_px * 12),
        column_config={
            "Adherence 4 wk": st.column_config.ProgressColumn(
                "Adherence 4 wk",
                format="%.0f%%",
                min_value=0,
                max_value=100,
                help="prescribed sessions done / due over the last 28 days, capped per week",
                width=120,
            ),
            "Patient": st.column_config.TextColumn("Patient", width=110),
            "Severity": st.column_config.TextColumn("Severity", width=80),
            "Alerts": st.column_config.TextColumn("Alerts", width=ALERTS_PX),
            "Latest pain": st.column_config.TextColumn("Latest pain", width=90),
            "This week": st.column_config.TextColumn("This week", width=80),
            "Last session": st.column_config.TextColumn("Last session", width=95),
        },
    )
    rows = event["selection"]["rows"] if event is not None else []
    return int(table.iloc[rows[0]]["id"]) if rows else None


def _open_picker(table: pd.DataFrame) -> int | None:
    names = dict(zip(table["id"].astype(int), table["Patient"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox(
        "Open a patient", list(names), format_func=names.__getitem__, key="open_patient"
    )
    return picked if right.button("Open progress", key="open_progress") else None


def _empty(user: SignedIn) -> None:
    if user.role is Role.ADMIN:
        st.info(
            "No patients yet. Add therapists and patients on the **Users** page "
            "(or `rehab demo` for a demo clinic)."
        )
    else:
        st.info("You have no patients yet. Add your first patient below.")


def _manage(user: SignedIn, table: pd.DataFrame | None) -> None:
    """Add a patient (a therapist, on their own list) and edit one."""
    if user.role is Role.THERAPIST:
        with st.expander("Add a patient", icon=":material/person_add:", expanded=table is None):
            if add_patient_form(user) is not None:
                st.rerun()
    if table is not None and not table.empty:
        names = dict(zip(table["id"].astype(int), table["Patient"], strict=True))
        with st.expander("Edit a patient, or give a new sign-in code", icon=":material/edit:"):
            if edit_patient_form(user, names):
                st.rerun()


def main() -> None:
    user = require_role(Role.ADMIN, Role.THERAPIST)
    st.title("Patients")
    show_code_once()
    now = dt.datetime.now(dt.UTC)
    with transaction() as tx:
        zone = clinic_settings(tx).zone
        patients = list_patients(tx, user.actor, now=now)
    if not patients:
        _empty(user)
        _manage(user, None)
        return
    table = patient_rows(patients, now, zone)
    _summary(table)
    text, severities = _filters()
    shown = filter_rows(table, text, severities)
    if shown.empty:
        st.info("No patient matches the search and filter. Clear them to see everyone.")
    else:
        st.caption("Most urgent first. Click a row (or pick below) to open the patient's progress.")
        picked = _table(shown, show_therapist=user.role is Role.ADMIN) or _open_picker(shown)
        if picked is not None:
            choose_patient(picked)
            st.switch_page(page_path("progress"))
    _manage(user, table)


if __name__ == "__main__":
    main()
