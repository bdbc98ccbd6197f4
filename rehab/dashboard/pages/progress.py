"""Patient progress: ROM per exercise against its target band, reps done vs prescribed,
adherence calendar, pain and effort, form issues, left/right asymmetry, outcome measures;
quotable numbers whose trend is the alerts' own (one definition, the same words)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from rehab.clinic_time import local_day
from rehab.core.check_in import worse_pain
from rehab.core.results import Side
from rehab.dashboard import charts, week_charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.navigation import page_path
from rehab.dashboard.outcomes_view import outcomes_section
from rehab.dashboard.reports import report_downloads
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import (
    clinic_zone,
    exercise_library,
    require_user,
    show_error,
    transaction,
)
from rehab.dashboard.widgets import date_range, exercise_name, pick_patient, show_alerts
from rehab.domain import Role, source_label
from rehab.errors import RehabError
from rehab.store import Actor, Alert, OutcomeScore, RomFact, outcome_scores, trend_words
from rehab.store import queries as q

TREND_COLOUR = {"up": "green", "down": "red", "steady": "gray"}


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
    trends: list[RomFact]
    outcomes: list[OutcomeScore]
    zone: ZoneInfo


def start_of_care(
    patient: q.PatientDetail, first_session: dt.datetime | None, zone: ZoneInfo
) -> dt.date:
    days = [p.start_date for p in patient.programs]
    if first_session is not None:
        days.append(local_day(first_session, zone))
    return min(days) if days else local_day(dt.datetime.now(dt.UTC), zone)


def load(
    actor: Actor, patient_id: int, since: dt.datetime, until: dt.datetime, zone: ZoneInfo
) -> Progress:
    now = dt.datetime.now(dt.UTC)
    with transaction() as tx:
        return Progress(
            patient=q.patient_detail(tx, actor, patient_id),
            sessions=q.list_sessions(tx, actor, patient_id, since, until),
            rom=q.rom_progress(tx, actor, patient_id, since, until),
            volume=q.volume_progress(tx, actor, patient_id, since, until),
            form=q.form_issues_over_time(tx, actor, patient_id, since, until),
            check_ins=q.pain_and_effort(tx, actor, patient_id, since, until),
            weeks=q.weekly_adherence(tx, actor, patient_id, since, until),
            alerts=q.patient_alerts(tx, actor, patient_id, now=now),
            trends=q.rom_trends(tx, actor, patient_id, now=min(now, until)),
            outcomes=outcome_scores(tx, actor, patient_id, since, until),
            zone=zone,
        )


def _first_session(actor: Actor, patient_id: int) -> tuple[q.PatientDetail, dt.datetime | None]:
    with transaction() as tx:
        patient = q.patient_detail(tx, actor, patient_id)
        return patient, q.first_session_at(tx, actor, patient_id)


def _header(patient: q.PatientDetail) -> None:
    st.title(plain(patient.name))
    st.caption(
        f"{plain(fmt.condition_and_side(patient.condition, patient.affected_side))} · "
        f"therapist: {plain(patient.therapist_name)}"
    )


def _headline(data: Progress) -> None:
    done = sum(w.prescribed_done for w in data.weeks)
    due = sum(w.due for w in data.weeks)
    share = q.adherence_ratio(data.weeks)
    pains = [p for p in (worse_pain(c.pain_before, c.pain_after) for c in data.check_ins)
             if p is not None]  # fmt: skip
    cols = st.columns(4)
    everything = sum(w.sessions_done for w in data.weeks)
    cols[0].metric("Sessions in period", everything, help="completed or interrupted, any source")
    cols[1].metric("Adherence", fmt.pct(None if share is None else 100 * share),
                   help=f"{done} prescribed sessions done of {due:.0f} due over the days the "
                        "program was active, capped per week (never above 100%)")  # fmt: skip
    delta = pains[-1] - pains[0] if len(pains) > 1 else None
    skipped = sum(c.skipped for c in data.check_ins)
    about = f"; {skipped} check-in(s) skipped in the period" if skipped else ""
    cols[2].metric(
        "Latest pain",
        fmt.pain(pains[-1] if pains else None),
        delta=None if delta is None else _pain_change(delta),
        delta_color="inverse" if delta else "off",
        delta_arrow="auto" if delta else "off",
        help=f"the latest check-in with a pain value (never a skipped one){about}",
    )
    cols[3].metric("Form issues", sum(c.count for c in data.form))
    sources = q.sessions_by_source(data.weeks)
    if sources:
        shown = " · ".join(f"{source_label(k)} {n}" for k, n in sorted(sources.items()))
        st.caption(f"Sessions by source: {shown}")


def _pain_change(delta: int) -> str:
    return f"{delta:+d} since the start of the period" if delta else "same as at the start"


def latest_by_side(points: list[q.RomPoint]) -> dict[Side, float]:
    """Per side: the latest session's mean ROM."""
    by_side: dict[Side, list[q.RomPoint]] = defaultdict(list)
    for p in points:
        by_side[p.side].append(p)
    return {s: r[-1].mean_rom_deg for s, r in by_side.items()}


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


def _hold_tab(name: str, volume: list[q.VolumePoint], zone: ZoneInfo) -> None:
    latest, first = volume[-1], volume[0]
    cols = st.columns(3)
    cols[0].metric(
        "Latest session: held",
        f"{latest.hold_s_done:.0f} s",
        delta=f"{latest.hold_s_done - first.hold_s_done:+.0f} s since the start of the period",
    )
    wanted = latest.hold_s_prescribed
    cols[1].metric("Prescribed", f"{wanted:.0f} s" if wanted else fmt.DASH)
    cols[2].metric("Sets in latest session", latest.sets_done)
    st.plotly_chart(
        charts.volume_figure(volume, f"{name}: seconds held vs prescribed", zone, holds=True),
        key=f"vol_{latest.exercise_id}",
    )


def _rom_metrics(rom: list[q.RomPoint], trends: list[RomFact], target: float | None) -> None:
    """Per side: the ROM trend (last 7 days against the 7 before: the alert's own facts and
    words), or the latest session's ROM when there is no trend to tell yet."""
    latest = latest_by_side(rom)
    by_side = {Side(t.side): t for t in trends}
    sides = sorted(set(latest) | set(by_side))
    cols = st.columns(len(sides) + 1)
    for col, side in zip(cols, sides, strict=False):
        fact = by_side.get(side)
        if fact is not None and fact.direction:
            col.metric(
                f"ROM ({side.value}), last 7 days",
                fmt.deg(fact.recent_mean_deg),
                delta=trend_words(fact),
                delta_color=TREND_COLOUR[fact.direction],  # type: ignore[arg-type]
                delta_arrow="off" if fact.direction == "steady" else fact.direction,  # type: ignore[arg-type]
                help="mean ROM of the complete reps of the last 7 days against the 7 days "
                "before: the same figures as the falling-ROM alert",
            )
        else:
            col.metric(
                f"Latest ROM ({side.value})",
                fmt.deg(latest.get(side)),
                help="no trend yet: it needs sessions in each of the last two weeks",
            )
    cols[-1].metric("Target ROM", fmt.deg(target))


def _pose_models(rom: list[q.RomPoint]) -> None:
    """Which pose model measured these angles; a caution when it changed (angles of two
    models differ by a few degrees: a change of model is not a change of the knee)."""
    models = sorted({fmt.pose_model(p.pose_model) for p in rom if p.pose_model})
    if len(models) > 1:
        st.warning(
            f"These ROMs were measured with different pose models ({', '.join(models)}): "
            "angles from different models differ by a few degrees, so compare with care.",
            icon=":material/straighten:",
        )
    elif models:
        st.caption(f"Angles measured with {models[0]}.")


def _exercise_tab(exercise_id: str, data: Progress) -> None:
    rom = [p for p in data.rom if p.exercise_id == exercise_id]
    volume = [v for v in data.volume if v.exercise_id == exercise_id]
    trends = [t for t in data.trends if t.exercise_id == exercise_id]
    name = exercise_name(exercise_id)
    if _is_hold(exercise_id, volume) and volume:
        _hold_tab(name, volume, data.zone)
        return
    target = _target(rom, exercise_id)
    _rom_metrics(rom, trends, target)
    _pose_models(rom)
    left, right = st.columns(2)
    if rom:
        left.plotly_chart(
            charts.rom_figure(rom, f"{name}: ROM per session", target, data.zone),
            key=f"rom_{exercise_id}",
        )
    else:
        left.info("No complete rep with a measured range of motion in this period.")
    if volume:
        right.plotly_chart(
            charts.volume_figure(volume, f"{name}: reps done vs prescribed", data.zone),
            key=f"vol_{exercise_id}",
        )
    asym = charts.asymmetry_figure(rom, f"{name}: left/right asymmetry", data.zone)
    if asym is not None:
        st.plotly_chart(asym, key=f"asym_{exercise_id}")


def _exercises(data: Progress) -> list[str]:
    seen = [p.exercise_id for p in data.volume] + [p.exercise_id for p in data.rom]
    return list(dict.fromkeys(seen))


def _charts(data: Progress) -> None:
    exercises = _exercises(data)
    names = {e: exercise_name(e) for e in exercises}
    st.subheader("Exercises")
    for tab, exercise_id in zip(st.tabs([names[e] for e in exercises]), exercises, strict=True):
        with tab:
            _exercise_tab(exercise_id, data)
    st.subheader("Adherence, pain and form")
    if data.weeks:
        st.plotly_chart(
            week_charts.adherence_calendar(data.sessions, data.weeks, data.zone), key="calendar"
        )
    left, right = st.columns(2)
    if data.check_ins:
        left.plotly_chart(week_charts.pain_effort_figure(data.check_ins, data.zone), key="pain")
    else:
        left.info("No pain or effort check-ins in this period.")
    if data.form:
        right.plotly_chart(charts.form_issues_figure(data.form, names, data.zone), key="form")
    else:
        right.success("No form issues in this period.")


def _empty(data: Progress, role: Role, ever: bool) -> None:
    """No session in the period; `ever`: the patient has had one (before the period)."""
    if not data.patient.programs and role is not Role.PATIENT:
        st.info("No program yet: prescribe exercises on the **Prescriptions** page.")
        st.page_link(
            page_path("prescriptions"), label="Prescriptions", icon=":material/assignment:"
        )
    elif role is Role.PATIENT:
        st.info("No sessions in this period yet. Start one on **Today's session**.")
    else:
        st.info(
            ("No sessions in this period: try a longer period above. " if ever else
             "No sessions yet. ") + "Sessions appear here once the patient exercises with "
            "the webcam, or after you analyse a recorded video (**Analyse a video**)."
        )  # fmt: skip


def main() -> None:
    user = require_user()
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        zone = clinic_zone()
        patient, first = _first_session(user.actor, patient_id)
        _header(patient)
        since, until = date_range(start_of_care(patient, first, zone), zone)
        data = load(user.actor, patient_id, since, until, zone)
    except RehabError as exc:
        show_error(exc)
        return
    show_alerts(data.alerts)
    if not data.sessions:
        _empty(data, user.role, ever=first is not None)
    else:
        _headline(data)
        _charts(data)
    outcomes_section(data.outcomes, zone)
    if data.sessions or data.outcomes:
        report_downloads(user, patient_id, since, until)


if __name__ == "__main__":
    main()
