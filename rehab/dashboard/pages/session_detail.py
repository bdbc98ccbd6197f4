"""Session detail: every set's per-rep table (all metrics, form issues, confidence), the angle
trace with rep boundaries and zones, and a skeleton replay where landmarks were kept."""

from __future__ import annotations

import math

import streamlit as st

from rehab.core.analysis import analyze_stream_detailed
from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import Side
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.state import (
    SESSION_KEY,
    exercise_library,
    require_user,
    show_error,
    transaction,
)
from rehab.dashboard.tables import hold_table, rep_table
from rehab.dashboard.widgets import pick_patient
from rehab.errors import RehabError
from rehab.exercise_library import UnknownExerciseError
from rehab.store import Actor
from rehab.store.queries import (
    SessionDetail,
    SessionSummary,
    SetDetail,
    list_sessions,
    load_landmarks,
    session_detail,
    stored_streams,
)


def _label(s: SessionSummary) -> str:
    reps = f"{s.complete_reps} reps" + (f" + {s.partial_reps} partial" if s.partial_reps else "")
    return f"{fmt.when(s.started_at)} · {s.status} · {s.source} · {reps}"


def _pick_session(sessions: list[SessionSummary]) -> int:
    newest_first = {s.session_id: s for s in reversed(sessions)}
    ids = list(newest_first)
    wanted = st.query_params.get("session")
    chosen = int(wanted) if wanted and wanted.isdigit() else st.session_state.get(SESSION_KEY)
    index = ids.index(chosen) if chosen in newest_first else 0
    picked = st.selectbox(
        "Session",
        ids,
        index=index,
        format_func=lambda i: _label(newest_first[i]),
        key="session_picker",
    )
    st.session_state[SESSION_KEY] = picked
    return int(picked)


def _summary(detail: SessionDetail) -> None:
    s = detail.summary
    cols = st.columns(5)
    cols[0].metric("Reps", s.complete_reps, help=f"{s.partial_reps} partial rep(s) not counted")
    cols[1].metric("Sets", s.sets)
    seconds = (s.ended_at - s.started_at).total_seconds() if s.ended_at else None
    cols[2].metric("Duration", fmt.duration(seconds))
    pain = f"{s.pain_before}→{s.pain_after}" if s.pain_before is not None else fmt.DASH
    cols[3].metric("Pain before→after", pain)
    cols[4].metric("Effort (RPE)", s.effort_rpe if s.effort_rpe is not None else fmt.DASH)


def _set_section(item: SetDetail, stream: LandmarkStream | None) -> None:
    library = exercise_library()
    name = fmt.exercise_name(library, item.exercise_id)
    st.subheader(f"Set {item.set_index} · {name} · {item.side.value}")
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


def main() -> None:
    user = require_user()
    st.title("Session detail" if user.patient_id is None else "My sessions")
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        with transaction() as tx:
            sessions = list_sessions(tx, user.actor, patient_id)
        if not sessions:
            st.info(
                "No sessions recorded yet. A session appears here after a webcam session "
                "or after a recorded video is analysed and saved (Analyse a video)."
            )
            return
        session_id = _pick_session(sessions)
        with transaction() as tx:
            detail = session_detail(tx, user.actor, session_id)
        streams = _streams(user.actor, session_id)
    except RehabError as exc:
        show_error(exc)
        return
    _summary(detail)
    if not streams:
        st.caption("No landmark stream was kept for this session, so there is no skeleton replay.")
    for item in detail.sets:
        _set_section(item, streams.get(item.set_id, streams.get(None)))


if __name__ == "__main__":
    main()
