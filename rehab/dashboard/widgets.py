"""Pieces several pages share: the patient picker, the date range, alert lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import streamlit as st

from rehab.clinic_time import days_window
from rehab.dashboard import formatting as fmt
from rehab.dashboard.state import (
    SignedIn,
    choose_patient,
    chosen_patient_id,
    exercise_library,
    today,
    transaction,
)
from rehab.domain import Role
from rehab.pose.models import DEFAULT_LIVE_MODEL, DEFAULT_VIDEO_MODEL, MODEL_NAMES
from rehab.store import Alert
from rehab.store.queries import patient_names

RANGES = {"4 weeks": 28, "12 weeks": 84, "Since the start": None}
MODEL_LABELS = {"lite": "lite (fastest)", "full": "full", "heavy": "heavy (most accurate)"}


def pick_patient(user: SignedIn, *, required: bool = True) -> int | None:
    """The patient the page is about: a patient's own record, or a picker for the others."""
    if user.role is Role.PATIENT:
        if user.patient_id is None:
            st.info("Your account has no patient record yet: ask your therapist to set it up.")
        return user.patient_id
    with transaction() as tx:
        names = patient_names(tx, user.actor)
    if not names:
        st.info("No patients yet: add them on the Users page (admin), then come back here.")
        return None
    current = chosen_patient_id(user)
    ids = list(names)
    picked = st.sidebar.selectbox(
        "Patient",
        ids,
        index=ids.index(current) if current in names else None,
        format_func=names.__getitem__,
        placeholder="Choose a patient",
        key="patient_picker",
    )
    if picked is not None:
        if picked != current:
            choose_patient(picked)
        return int(picked)
    if current is not None:
        return current  # not one of theirs: the store refuses it and the page says so
    if required:
        st.info("Choose a patient in the sidebar, or open one from the Patients page.")
    return None


def pick_pose_model(key: str) -> str:
    """The pose model for an upload: the video default unless the therapist picks another,
    e.g. the live model to compare with home sessions (angles of two models differ)."""
    names = list(MODEL_NAMES)
    chosen = st.selectbox(
        "Pose model",
        names,
        index=names.index(DEFAULT_VIDEO_MODEL),
        format_func=lambda n: MODEL_LABELS.get(n, n),
        key=key,
        help=f"Home sessions with the camera use {DEFAULT_LIVE_MODEL}. Angles measured with "
        "different models are not directly comparable.",
    )
    return str(chosen)


def date_range(start_of_care: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) as aware UTC datetimes covering whole clinic days; the default is
    since the start of care."""
    end = today(zone)
    left, right = st.columns([2, 3])
    choice = left.segmented_control("Period", list(RANGES), default="Since the start", key="period")
    days = RANGES.get(choice or "Since the start")
    first = start_of_care if days is None else max(start_of_care, end - dt.timedelta(days=days))
    picked = right.date_input("From – to", value=(first, end), max_value=end, key=f"dates_{choice}")
    since, until = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (first, end)
    return days_window(since, until, zone)


def show_alerts(alerts: Sequence[Alert]) -> None:
    """One box per severity (worst first), one line per alert, exercises by name."""
    boxes = {3: st.error, 2: st.warning, 1: st.info}
    for rank, box in boxes.items():
        lines = [fmt.alert_text(a, exercise_name) for a in alerts if a.severity.rank == rank]
        if lines:
            box("  \n".join(lines))


def exercise_name(exercise_id: str) -> str:
    """The library's name of an exercise (its id when the library lacks it)."""
    return fmt.exercise_name(exercise_library(), exercise_id)
