"""Patients: who needs attention first, adherence this week and over four weeks, last session,
latest pain and alerts; search, filter, and click through to a patient's progress."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rehab.dashboard import formatting as fmt
from rehab.dashboard.navigation import page_path
from rehab.dashboard.state import SignedIn, choose_patient, require_role, transaction
from rehab.domain import Role
from rehab.store import AlertSeverity
from rehab.store.queries import PatientSummary, latest_pains, list_patients

SEVERITIES = [s.value for s in sorted(AlertSeverity, key=lambda s: -s.rank)]


def patient_rows(
    patients: list[PatientSummary], pains: dict[int, int], now: dt.datetime
) -> pd.DataFrame:
    """One row per patient, the most urgent first (worst alert, then name)."""
    rows = [
        {
            "id": p.patient_id,
            "Patient": p.name,
            "Condition": f"{p.condition} ({p.affected_side.value})",
            "Therapist": p.therapist_name,
            "This week": fmt.sessions_this_week(p.sessions_last_7d, p.sessions_per_week),
            "Adherence 4 wk": None if p.adherence_28d is None else 100 * p.adherence_28d,
            "Last session": fmt.ago(p.last_activity_at, now),
            "Latest pain": fmt.pain(pains.get(p.patient_id)),
            "Alerts": " · ".join(fmt.alert_text(a) for a in p.alerts) or "",
            "severity": p.top_alert.severity.value if p.top_alert else "",
            "rank": p.top_alert.severity.rank if p.top_alert else 0,
        }
        for p in patients
    ]
    table = pd.DataFrame(rows)
    return table.sort_values(["rank", "Patient"], ascending=[False, True], ignore_index=True)


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


def _table(table: pd.DataFrame, show_therapist: bool) -> int | None:
    columns = ["Patient", "Condition", "This week", "Adherence 4 wk", "Last session"]
    columns += ["Latest pain", "Alerts"]
    if show_therapist:
        columns.insert(2, "Therapist")
    event = st.dataframe(
        table,
        column_order=columns,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="patient_table",
        column_config={
            "Adherence 4 wk": st.column_config.ProgressColumn(
                "Adherence 4 wk", format="%.0f%%", min_value=0, max_value=100
            ),
            "Alerts": st.column_config.TextColumn("Alerts", width="large"),
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
        st.info(
            "You have no patients yet. Ask your clinic's admin to add your patients "
            "to your list (Users page), then prescribe their exercises here."
        )


def main() -> None:
    user = require_role(Role.ADMIN, Role.THERAPIST)
    st.title("Patients")
    now = dt.datetime.now(dt.UTC)
    with transaction() as tx:
        patients = list_patients(tx, user.actor, now=now)
        pains = latest_pains(tx, user.actor)
    if not patients:
        _empty(user)
        return
    table = patient_rows(patients, pains, now)
    _summary(table)
    text, severities = _filters()
    shown = filter_rows(table, text, severities)
    if shown.empty:
        st.info("No patient matches the search and filter. Clear them to see everyone.")
        return
    st.caption("Most urgent first. Click a row (or pick below) to open the patient's progress.")
    picked = _table(shown, show_therapist=user.role is Role.ADMIN) or _open_picker(shown)
    if picked is not None:
        choose_patient(picked)
        st.switch_page(page_path("progress"))


if __name__ == "__main__":
    main()
