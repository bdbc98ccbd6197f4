"""Session detail: a summary first (totals, the check-in, one row per exercise against what
was prescribed that day), then every set collapsed; an opened set draws its angle trace with
rep boundaries and zones, its per-rep table and a skeleton replay where landmarks were kept
(drawn only when opened: a session of 15 sets stays one short page)."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from rehab.clinic_time import local_day
from rehab.core.analysis import analyze_stream_detailed
from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import Side
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.state import (
    SESSION_KEY,
    clinic_zone,
    exercise_library,
    require_user,
    show_error,
    transaction,
)
from rehab.dashboard.tables import hold_table, rep_table
from rehab.dashboard.widgets import exercise_name, pick_patient
from rehab.domain import source_label
from rehab.errors import RehabError
from rehab.exercise_library import UnknownExerciseError
from rehab.store import Actor
from rehab.store.queries import (
    SessionDetail,
    SessionSummary,
    SetDetail,
    list_sessions,
    load_landmarks,
    patient_detail,
    session_detail,
    stored_streams,
)

EXPAND_KEY = "open_every_set"


def _label(s: SessionSummary, zone: ZoneInfo) -> str:
    reps = f"{s.complete_reps} reps" + (f" + {s.partial_reps} partial" if s.partial_reps else "")
    return f"{fmt.when(s.started_at, zone)} · {s.status} · {source_label(s.source)} · {reps}"


def _pick_session(sessions: list[SessionSummary], zone: ZoneInfo) -> int:
    newest_first = {s.session_id: s for s in reversed(sessions)}
    ids = list(newest_first)
    wanted = st.query_params.get("session")
    chosen = int(wanted) if wanted and wanted.isdigit() else st.session_state.get(SESSION_KEY)
    index = ids.index(chosen) if chosen in newest_first else 0
    picked = st.selectbox(
        "Session",
        ids,
        index=index,
        format_func=lambda i: _label(newest_first[i], zone),
        key="session_picker",
    )
    st.session_state[SESSION_KEY] = picked
    return int(picked)


def _summary(detail: SessionDetail, items: dict[int, str]) -> None:
    """The session in one screen: totals, the check-in, and a row per exercise."""
    s = detail.summary
    st.subheader("Summary")
    cols = st.columns([1, 1, 1, 3, 2])
    cols[0].metric("Reps", s.complete_reps, help=f"{s.partial_reps} partial rep(s) not counted")
    cols[1].metric("Sets", s.sets)
    seconds = (s.ended_at - s.started_at).total_seconds() if s.ended_at else None
    cols[2].metric("Duration", fmt.duration(seconds))
    check_in = fmt.check_in_text(s.pain_before, s.pain_after, s.effort_rpe, s.checked_in)
    cols[3].metric("Check-in", check_in, help="pain before → after (0-10), effort (RPE 0-10)")
    cols[4].metric("Source", source_label(s.source))
    if detail.sets:
        st.dataframe(
            exercise_rows(detail, items), hide_index=True, key="session_summary", placeholder="—"
        )


def exercise_rows(detail: SessionDetail, items: dict[int, str]) -> pd.DataFrame:
    """One row per exercise and side of the session (pure)."""
    groups: dict[tuple[str, str], list[SetDetail]] = {}
    for item in detail.sets:
        groups.setdefault((item.exercise_id, item.side.value), []).append(item)
    rows = []
    for (exercise_id, side), sets in groups.items():
        reps = [r for s in sets for r in s.reps]
        roms = [r.rom_deg for r in reps if r.complete and fmt.is_number(r.rom_deg)]
        holds = [h.held_s for s in sets for h in s.holds if fmt.is_number(h.held_s)]
        prescribed = next((items[s.prescription_item_id] for s in sets
                           if s.prescription_item_id in items), "not in the program")  # fmt: skip
        rows.append(
            {
                "Exercise": exercise_name(exercise_id),
                "Side": side,
                "Sets": len(sets),
                "Reps": sum(r.complete for r in reps),
                "Partial": sum(not r.complete for r in reps),
                "Held s": round(sum(holds)) if holds else None,
                "Mean ROM °": round(sum(roms) / len(roms), 1) if roms else None,
                "Best ROM °": round(max(roms), 1) if roms else None,
                "Form cues": sum(len(r.form_issues) for r in reps),
                "Prescribed": prescribed,
            }
        )
    return pd.DataFrame(rows)


def _set_label(item: SetDetail) -> str:
    complete = [r for r in item.reps if r.complete]
    roms = [r.rom_deg for r in complete if fmt.is_number(r.rom_deg)]
    amount = (
        f"{len(complete)} reps" if item.reps or not item.holds
        else f"{sum(h.held_s for h in item.holds if fmt.is_number(h.held_s)):.0f} s held"
    )  # fmt: skip
    model = fmt.pose_model(item.pose_model)
    rom = f" · mean ROM {sum(roms) / len(roms):.0f}°" if roms else ""
    rom += f" ({model})" if roms and model else ""
    name = exercise_name(item.exercise_id)
    return f"Set {item.set_index} · {name} · {item.side.value} · {amount}{rom}"


def _set_section(item: SetDetail, stream: LandmarkStream | None, expanded: bool) -> None:
    """A set, collapsed: its trace, table and replay are drawn only when it is opened."""
    box = st.expander(
        _set_label(item),
        expanded=expanded,
        key=f"set_{item.set_id}_{int(expanded)}",
        on_change="rerun",
    )
    if not box.open:
        return
    with box:
        _set_body(item, stream)


def _set_body(item: SetDetail, stream: LandmarkStream | None) -> None:
    library = exercise_library()
    for warning in item.warnings:
        st.warning(warning)
    asymmetry_pct = item.figures.rom_asymmetry_pct
    if not math.isnan(asymmetry_pct):
        st.caption(f"Left/right ROM asymmetry: {fmt.pct(asymmetry_pct)}")
    exercise: Exercise | None
    try:
        exercise = library.get(item.exercise_id)
    except UnknownExerciseError:
        exercise = None
    starts = [r.start_ms for r in item.reps] + [h.start_ms for h in item.holds]
    origin = (
        float(stream.t_ms[0]) if stream is not None and len(stream) else min(starts, default=0.0)
    )
    if item.reps:
        _trace(item, exercise, stream, origin)
        st.dataframe(rep_table(item.reps, origin), hide_index=True, key=f"reps_{item.set_id}")
    if item.holds:
        st.dataframe(hold_table(item.holds, origin), hide_index=True, key=f"holds_{item.set_id}")
    if not item.reps and not item.holds:
        st.info("No rep or hold was recorded in this set.")
    if stream is not None:
        st.markdown("**Skeleton replay** (from the stored landmark stream)")
        st.plotly_chart(charts.skeleton_replay(stream), key=f"replay_{item.set_id}")


def _trace(
    item: SetDetail, ex: Exercise | None, stream: LandmarkStream | None, origin: float
) -> None:
    title = "Angle over time: reps shaded, zones as bands"
    if stream is not None and ex is not None:
        side = item.side if item.side in (Side.LEFT, Side.RIGHT) else None
        analysis = analyze_stream_detailed(stream, ex, side)
        t_s = (analysis.t_ms - origin) / 1000
        fig = charts.angle_trace_figure(t_s, analysis.angles_deg, item.reps, ex, origin, title)
    else:
        rising = ex.direction() > 0 if ex is not None and not ex.is_hold else True
        t_ms, angle = charts.rep_outline(item.reps, rising)
        outline_s = [(t - origin) / 1000 for t in t_ms]
        title += " (outline from the rep figures: no landmark stream kept)"
        fig = charts.angle_trace_figure(outline_s, {item.side: angle}, item.reps, ex, origin, title)
    st.plotly_chart(fig, key=f"trace_{item.set_id}")


def _streams(actor: Actor, session_id: int) -> dict[int | None, LandmarkStream]:
    with transaction() as tx:
        found = stored_streams(tx, actor, session_id)
        return {kept.set_id: load_landmarks(tx, actor, kept.stream_id) for kept in found}


def _prescribed_items(actor: Actor, detail: SessionDetail, zone: ZoneInfo) -> dict[int, str]:
    """What each program item of the session asked for that day ('3 × 10 reps, target 80°')."""
    with transaction() as tx:
        programs = patient_detail(tx, actor, detail.patient_id).programs
    day = local_day(detail.summary.started_at, zone)
    out = {}
    for program in programs:
        for item in program.items:
            reps = item.reps_on(program.start_date, day)
            amount = f"{reps} reps" if reps else f"{item.hold_s:g} s hold"
            target = item.target_on(program.start_date, day)
            out[item.item_id] = f"{item.sets} × {amount}" + (
                f", target {target:.0f}°" if target else ""
            )
    return out


def main() -> None:
    user = require_user()
    st.title("Session detail" if user.patient_id is None else "My sessions")
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        zone = clinic_zone()
        with transaction() as tx:
            sessions = list_sessions(tx, user.actor, patient_id)
        if not sessions:
            st.info(
                "No sessions recorded yet. A session appears here after a webcam session "
                "or after a recorded video is analysed and saved (Analyse a video)."
            )
            return
        session_id = _pick_session(sessions, zone)
        with transaction() as tx:
            detail = session_detail(tx, user.actor, session_id)
        streams = _streams(user.actor, session_id)
        items = _prescribed_items(user.actor, detail, zone)
    except RehabError as exc:
        show_error(exc)
        return
    _summary(detail, items)
    if not streams:
        st.caption("No landmark stream was kept for this session, so there is no skeleton replay.")
    if not detail.sets:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.subheader("Sets")
    expanded = right.toggle("Open every set", key=EXPAND_KEY)
    for item in detail.sets:
        _set_section(item, streams.get(item.set_id, streams.get(None)), expanded)


if __name__ == "__main__":
    main()
