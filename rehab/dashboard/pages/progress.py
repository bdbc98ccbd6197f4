"""Patient progress: ROM per exercise against its target band, reps done vs prescribed,
adherence calendar, pain and effort, form issues, left/right asymmetry; quotable numbers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import streamlit as st

from rehab.core.check_in import worse_pain
from rehab.core.results import Side
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.navigation import page_path
from rehab.dashboard.reports import report_downloads
from rehab.dashboard.state import exercise_library, require_user, show_error, transaction
from rehab.dashboard.widgets import date_range, pick_patient, show_alerts
from rehab.display import percent_of
from rehab.domain import Role
from rehab.errors import RehabError
from rehab.store import Actor, Alert
from rehab.store import queries as q


@dataclass(frozen=True)
class Progress:
    patient: q.PatientDetail
    sessions: list[q.SessionSummary]
    rom: list[q.RomPoint]
    volume: list[q.VolumePoint]
    form: list[q.FormIssueCount]
    check_ins: list[q.CheckInPoint]
    weeks: list[q.WeekAdherence]
    alerts: list[Alert]


def start_of_care(patient: q.PatientDetail, first_session: dt.datetime | None) -> dt.date:
    days = [p.start_date for p in patient.programs]
    if first_session is not None:
        days.append(first_session.date())
    return min(days) if days else dt.datetime.now(dt.UTC).date()


def load(actor: Actor, patient_id: int, since: dt.datetime, until: dt.datetime) -> Progress:
    with transaction() as tx:
        return Progress(
            patient=q.patient_detail(tx, actor, patient_id),
            sessions=q.list_sessions(tx, actor, patient_id, since, until),
            rom=q.rom_progress(tx, actor, patient_id, since, until),
            volume=q.volume_progress(tx, actor, patient_id, since, until),
            form=q.form_issues_over_time(tx, actor, patient_id, since, until),
            check_ins=q.pain_and_effort(tx, actor, patient_id, since, until),
            weeks=q.weekly_adherence(tx, actor, patient_id, since, until),
            alerts=q.patient_alerts(tx, actor, patient_id),
        )


def _first_session(actor: Actor, patient_id: int) -> tuple[q.PatientDetail, dt.datetime | None]:
    with transaction() as tx:
        patient = q.patient_detail(tx, actor, patient_id)
        first = q.list_sessions(tx, actor, patient_id)[:1]
    return patient, first[0].started_at if first else None


def _header(patient: q.PatientDetail) -> None:
    st.title(patient.name)
    st.caption(
        f"{patient.condition} · affected side: {patient.affected_side.value} · "
        f"therapist: {patient.therapist_name}"
    )


def _headline(data: Progress) -> None:
    done = sum(w.sessions_done for w in data.weeks)
    prescribed = sum(w.sessions_prescribed for w in data.weeks)
    pains = [p for p in (worse_pain(c.pain_before, c.pain_after) for c in data.check_ins)
             if p is not None]  # fmt: skip
    cols = st.columns(4)
    cols[0].metric("Sessions in period", done, help="completed or interrupted sessions")
    cols[1].metric("Adherence", fmt.pct(percent_of(done, prescribed)),
                   help=f"{done} of {prescribed} prescribed sessions")  # fmt: skip
    delta = pains[-1] - pains[0] if len(pains) > 1 else None
    cols[2].metric("Latest pain", fmt.pain(pains[-1] if pains else None),
                   delta=None if delta is None else f"{delta:+d} since start",
                   delta_color="inverse")  # fmt: skip
    cols[3].metric("Form issues", sum(c.count for c in data.form))


def quotable(points: list[q.RomPoint]) -> dict[Side, tuple[float, float]]:
    """Per side: (latest mean ROM, change since the first session of the period)."""
    by_side: dict[Side, list[q.RomPoint]] = defaultdict(list)
    for p in points:
        by_side[p.side].append(p)
    return {
        s: (r[-1].mean_rom_deg, r[-1].mean_rom_deg - r[0].mean_rom_deg) for s, r in by_side.items()
    }


def _target(points: list[q.RomPoint], exercise_id: str) -> float | None:
    prescribed = [p.target_rom_deg for p in points if p.target_rom_deg is not None]
    if prescribed:
        return prescribed[-1]
    found = exercise_library().exercises.get(exercise_id)
    return found.target_rom_deg if found is not None else None


def _is_hold(exercise_id: str, volume: list[q.VolumePoint]) -> bool:
    found = exercise_library().exercises.get(exercise_id)
    if found is not None:
        return found.is_hold
    return any(v.hold_s_done for v in volume) and not any(v.reps_done for v in volume)


def _hold_tab(name: str, volume: list[q.VolumePoint]) -> None:
    latest, first = volume[-1], volume[0]
    cols = st.columns(3)
    cols[0].metric(
        "Latest session: held",
        f"{latest.hold_s_done:.0f} s",
        delta=f"{latest.hold_s_done - first.hold_s_done:+.0f} s since start of period",
    )
    wanted = latest.hold_s_prescribed
    cols[1].metric("Prescribed", f"{wanted:.0f} s" if wanted else fmt.DASH)
    cols[2].metric("Sets in latest session", latest.sets_done)
    st.plotly_chart(
        charts.volume_figure(volume, f"{name}: seconds held vs prescribed", holds=True),
        key=f"vol_{latest.exercise_id}",
    )


def _rom_metrics(rom: list[q.RomPoint], target: float | None) -> None:
    numbers = quotable(rom)
    cols = st.columns(len(numbers) + 1)
    for col, (side, (latest, change)) in zip(cols, sorted(numbers.items()), strict=False):
        col.metric(
            f"Latest ROM ({side.value})",
            fmt.deg(latest),
            delta=f"{change:+.0f}° since start of period",
        )
    cols[-1].metric("Target ROM", fmt.deg(target))


def _exercise_tab(exercise_id: str, data: Progress) -> None:
    rom = [p for p in data.rom if p.exercise_id == exercise_id]
    volume = [v for v in data.volume if v.exercise_id == exercise_id]
    name = fmt.exercise_name(exercise_library(), exercise_id)
    if _is_hold(exercise_id, volume) and volume:
        _hold_tab(name, volume)
        return
    target = _target(rom, exercise_id)
    _rom_metrics(rom, target)
    left, right = st.columns(2)
    if rom:
        left.plotly_chart(
            charts.rom_figure(rom, f"{name}: ROM per session", target), key=f"rom_{exercise_id}"
        )
    else:
        left.info("No complete rep with a measured range of motion in this period.")
    if volume:
        right.plotly_chart(
            charts.volume_figure(volume, f"{name}: reps done vs prescribed"),
            key=f"vol_{exercise_id}",
        )
    asym = charts.asymmetry_figure(rom, f"{name}: left/right asymmetry")
    if asym is not None:
        st.plotly_chart(asym, key=f"asym_{exercise_id}")


def _exercises(data: Progress) -> list[str]:
    seen = [p.exercise_id for p in data.volume] + [p.exercise_id for p in data.rom]
    return list(dict.fromkeys(seen))


def _charts(data: Progress) -> None:
    exercises = _exercises(data)
    names = {e: fmt.exercise_name(exercise_library(), e) for e in exercises}
    st.subheader("Exercises")
    for tab, exercise_id in zip(st.tabs([names[e] for e in exercises]), exercises, strict=True):
        with tab:
            _exercise_tab(exercise_id, data)
    st.subheader("Adherence, pain and form")
    if data.weeks:
        st.plotly_chart(charts.adherence_calendar(data.sessions, data.weeks), key="calendar")
    left, right = st.columns(2)
    if data.check_ins:
        left.plotly_chart(charts.pain_effort_figure(data.check_ins), key="pain")
    else:
        left.info("No pain or effort check-ins in this period.")
    if data.form:
        right.plotly_chart(charts.form_issues_figure(data.form, names), key="form")
    else:
        right.success("No form issues in this period.")


def _empty(data: Progress, role: Role) -> None:
    if not data.patient.programs and role is not Role.PATIENT:
        st.info("No program yet: prescribe exercises on the **Prescriptions** page.")
        st.page_link(
            page_path("prescriptions"), label="Prescriptions", icon=":material/assignment:"
        )
    elif role is Role.PATIENT:
        st.info("No sessions in this period yet. Start one on **Today's session**.")
    else:
        st.info(
            "No sessions in this period yet. They appear here once the patient exercises "
            "with the webcam, or after you analyse a recorded video (**Analyse a video**). "
            "Try a longer period above."
        )


def main() -> None:
    user = require_user()
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        patient, first = _first_session(user.actor, patient_id)
        _header(patient)
        since, until = date_range(start_of_care(patient, first))
        data = load(user.actor, patient_id, since, until)
    except RehabError as exc:
        show_error(exc)
        return
    show_alerts(data.alerts)
    if not data.sessions:
        _empty(data, user.role)
        return
    _headline(data)
    _charts(data)
    report_downloads(user, patient_id, since, until)


if __name__ == "__main__":
    main()
