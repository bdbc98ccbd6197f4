"""Analyse a video: upload a recording, choose patient and exercise, see the count, the
per-rep metrics and the annotated video (H.264), and save it as a session."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rehab.analysis import StreamAnalysis, analyze_stream_detailed
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.navigation import page_path
from rehab.dashboard.state import (
    SESSION_KEY,
    SignedIn,
    db,
    engine,
    exercise_library,
    require_user,
    show_error,
)
from rehab.dashboard.tables import hold_table, rep_table
from rehab.dashboard.widgets import pick_patient
from rehab.errors import InputError, RehabError
from rehab.exercise import Exercise
from rehab.landmarks import LandmarkStream
from rehab.pose.pipeline import annotate_video
from rehab.pose.sources import VIDEO_SUFFIXES, VideoFile
from rehab.results import Side
from rehab.store.models import SessionSource
from rehab.store.queries import patient_detail
from rehab.store.recorder import SessionRecorder

RESULT_KEY = "video_analysis"
SIDES = {"as the exercise defines": None, "left": Side.LEFT, "right": Side.RIGHT, "both": Side.BOTH}
NOBODY = "no person was found in any frame"


@dataclass(frozen=True)
class VideoAnalysis:
    file_name: str
    exercise_id: str
    side: Side | None
    analysis: StreamAnalysis
    stream: LandmarkStream
    video_mp4: bytes


def run_analysis(
    name: str,
    data: bytes,
    exercise: Exercise,
    side: Side | None,
    progress: st.delta_generator.DeltaGenerator,
) -> VideoAnalysis:
    """Annotate and analyse an uploaded video; InputError names the uploaded file."""
    with tempfile.TemporaryDirectory(prefix="rehab-upload-") as folder:
        source = Path(folder) / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = Path(folder) / "annotated.mp4"
        try:
            with VideoFile(source) as video:
                total = max(video.frame_count, 1)
            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                progress.progress(
                    min(done[0] / total, 1.0), text=f"Finding the pose: frame {done[0]} of ~{total}"
                )

            stream = annotate_video(source, output, on_progress=tick)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        analysis = analyze_stream_detailed(stream, exercise, side)
        return VideoAnalysis(name, exercise.id, side, analysis, stream, output.read_bytes())


def _inputs(user: SignedIn) -> tuple[int | None, Exercise, Side | None]:
    patient_id = pick_patient(user)
    library = exercise_library()
    ids = sorted(library.exercises, key=lambda e: library.exercises[e].name)
    left, right = st.columns([3, 2])
    chosen = left.selectbox(
        "Exercise", ids, format_func=lambda e: library.exercises[e].name, key="video_exercise"
    )
    side_label = right.selectbox("Side", list(SIDES), key="video_side")
    return patient_id, library.exercises[chosen], SIDES[side_label]


def _results(result: VideoAnalysis) -> None:
    outcome = result.analysis.result
    exercise = exercise_library().exercises.get(result.exercise_id)
    if NOBODY in outcome.warnings:
        st.warning(
            f"Nobody was found in {result.file_name}. Film the whole body in good light, "
            "with the person facing or side-on to the camera, and try again."
        )
    else:
        for warning in outcome.warnings:
            st.warning(warning)
    cols = st.columns(4)
    cols[0].metric("Reps counted", outcome.total_reps)
    cols[1].metric("Partial reps", len(outcome.partial_reps()))
    per_side = ", ".join(
        f"{s.value} {n}" for s, n in outcome.reps_per_side().items() if s is not Side.BOTH
    )
    cols[2].metric("Per side", per_side or fmt.DASH)
    cols[3].metric(
        "Left/right asymmetry",
        fmt.pct(outcome.extra["rom_asymmetry_pct"] / 100)
        if "rom_asymmetry_pct" in outcome.extra
        else fmt.DASH,
    )
    left, right = st.columns([2, 3])
    left.video(result.video_mp4, format="video/mp4")
    origin = float(result.analysis.t_ms[0]) if len(result.analysis.t_ms) else 0.0
    t_s = (result.analysis.t_ms - origin) / 1000
    fig = charts.angle_trace_figure(
        t_s, result.analysis.angles_deg, outcome.reps, exercise, origin, "Angle over time"
    )
    right.plotly_chart(fig, key="video_trace")
    if outcome.reps:
        st.dataframe(rep_table(outcome.reps, origin), hide_index=True, key="video_reps")
    if outcome.holds:
        st.dataframe(hold_table(outcome.holds, origin), hide_index=True, key="video_holds")


def save_session(user: SignedIn, patient_id: int, result: VideoAnalysis) -> tuple[int, bool]:
    """Store the analysed set as an uploaded session; keep the landmarks if opted in."""
    with db() as s:
        patient = patient_detail(s, user.actor, patient_id)
    today = dt.datetime.now(dt.UTC).date()
    program = next((p for p in patient.programs if p.active_on(today)), None)
    item = (
        next((i for i in program.items if i.exercise_id == result.exercise_id), None)
        if program
        else None
    )
    side = result.side or Side.BOTH
    with SessionRecorder.start(
        engine(), user.actor, patient_id, source=SessionSource.UPLOAD,
        prescription_id=program.prescription_id if program else None,
    ) as recorder:  # fmt: skip
        set_id = recorder.record_set(result.analysis.result, side, item.item_id if item else None)
        if patient.store_landmarks:
            recorder.store_landmarks(result.stream, set_id)
        return recorder.session_id, patient.store_landmarks


def _save(user: SignedIn, patient_id: int | None, result: VideoAnalysis) -> None:
    if patient_id is None:
        st.caption("Choose a patient above to save this analysis as one of their sessions.")
        return
    if not st.button("Save as a session", type="primary", key="save_video"):
        return
    try:
        session_id, kept = save_session(user, patient_id, result)
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state[SESSION_KEY] = session_id
    kept_text = " with its landmarks (for replay)" if kept else ""
    st.success(f"Saved as session #{session_id}{kept_text}.")
    st.page_link(page_path("session_detail"), label="Open the session", icon=":material/timeline:")


def main() -> None:
    user = require_user()
    st.title("Analyse a video")
    st.caption(
        "Upload a recording of one set; BlazePose finds the 33 keypoints in every frame "
        "and the counting engine counts it offline, with the most accurate smoothing."
    )
    patient_id, exercise, side = _inputs(user)
    upload = st.file_uploader(
        "Video", type=sorted(s.lstrip(".") for s in VIDEO_SUFFIXES), key="video_upload"
    )
    if upload is None:
        st.info("Upload a video (MP4, MOV, WebM…) of the exercise to count it.")
        return
    if st.button("Analyse", type="primary", key="analyse"):
        progress = st.progress(0.0, text="Reading the video…")
        try:
            st.session_state[RESULT_KEY] = run_analysis(
                upload.name, upload.getvalue(), exercise, side, progress
            )
        except RehabError as exc:
            progress.empty()
            st.session_state.pop(RESULT_KEY, None)
            st.error(f"This file cannot be analysed: {exc}")
            return
        progress.empty()
    result = st.session_state.get(RESULT_KEY)
    if not isinstance(result, VideoAnalysis) or result.file_name != upload.name:
        return
    if result.exercise_id != exercise.id or result.side != side:
        st.info("The exercise or side changed: press Analyse again.")
        return
    _results(result)
    _save(user, patient_id, result)


if __name__ == "__main__":
    main()
