"""Download buttons for a patient's progress report (PDF, HTML, CSV tables) of a period.

The report is rendered only when a button is clicked (a deferred download), in its own
transaction, so showing the page costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from rehab.dashboard.state import SignedIn, database
from rehab.reports import ReportFormat, make_report, report_filename
from rehab.store import Actor, Database

LABELS = {
    ReportFormat.PDF: ("PDF for the clinic file", ":material/picture_as_pdf:"),
    ReportFormat.HTML: ("HTML to explore", ":material/html:"),
    ReportFormat.CSV: ("CSV tables (zip)", ":material/table:"),
}


def report_maker(
    db: Database,
    actor: Actor,
    patient_id: int,
    period: tuple[dt.datetime, dt.datetime],
    fmt: ReportFormat,
    note: str,
) -> Callable[[], bytes]:
    """A function that renders the report when called (access checked by the store)."""

    def make() -> bytes:
        return make_report(db, actor, patient_id, *period, fmt, note or None)

    return make


def report_downloads(
    user: SignedIn, patient_id: int, since: dt.datetime, until: dt.datetime
) -> None:
    st.subheader("Progress report")
    note = ""
    if user.actor.role.value != "patient":
        note = st.text_area(
            "Therapist's note for the report (optional)", key="report_note", height=80
        )
    cols = st.columns(len(LABELS))
    for col, (fmt, (label, icon)) in zip(cols, LABELS.items(), strict=True):
        col.download_button(
            label,
            data=report_maker(database(), user.actor, patient_id, (since, until), fmt, note),
            file_name=report_filename(patient_id, since, until, fmt),
            mime=fmt.media_type,
            icon=icon,
            key=f"report_{fmt.value}",
        )
