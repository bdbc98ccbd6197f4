"""Analyse a video: upload a recording, choose patient and exercise, see the count, the
per-rep metrics and the annotated video (H.264), and save it as a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from rehab.clinic_time import local
from rehab.core.exercise import Exercise
from rehab.core.results import Side
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.media import VideoAnalysis, save_session
from rehab.dashboard.media_jobs import (
    analysis_of,
    current_job,
    ended_without_result,
    files_gone,
    follow,
    start_job,
)
from rehab.dashboard.navigation import page_path
from rehab.dashboard.state import (
    SESSION_KEY,
    SignedIn,
    clinic_zone,
    database,
    exercise_library,
    require_user,
    show_error,
)
from rehab.dashboard.tables import hold_table, rep_table
from rehab.dashboard.widgets import pick_patient, pick_pose_model
from rehab.domain import JobKind
from rehab.errors import RehabError
from rehab.pose.models import DEFAULT_VIDEO_MODEL, MODEL_NAMES
from rehab.pose.sources import VIDEO_SUFFIXES
from rehab.store import JobView

SIDES = {"as the exercise defines": None, "left": Side.LEFT, "right": Side.RIGHT, "both": Side.BOTH}
NOBODY = "no person was found in any frame"


@dataclass(frozen=True)
class Inputs:
    patient_id: int | None
    exercise: Exercise
    side: Side | None
    model: str

    def params(self) -> dict[str, str | None]:
        side = self.side.value if self.side else None
        return {"exercise_id": self.exercise.id, "side": side, "model": self.model}

    def same_as(self, ran: dict[str, Any]) -> bool:
        """Whether a job ran with these inputs (a job from before the model choice ran
        the video default)."""
        ran = {"model": DEFAULT_VIDEO_MODEL, **ran}
        return all(ran.get(key) == value for key, value in self.params().items())


def _inputs(user: SignedIn) -> Inputs:
    patient_id = pick_patient(user, required=False)
    library = exercise_library()
    ids = sorted(library.exercises, key=lambda e: library.exercises[e].name)
    left, middle, right = st.columns([3, 2, 2])
    chosen = left.selectbox(
        "Exercise", ids, format_func=lambda e: library.exercises[e].name, key="video_exercise"
    )
    side_label = middle.selectbox("Side", list(SIDES), key="video_side")
    with right:
        model = pick_pose_model("video_model")
    return Inputs(patient_id, library.exercises[chosen], SIDES[side_label], model)


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
    cols[3].metric("Left/right asymmetry", fmt.pct(outcome.figures.rom_asymmetry_pct))
    left, right = st.columns([2, 3])
    left.video(result.video_mp4, format="video/mp4")
    origin = float(result.analysis.t_ms[0]) if len(result.analysis.t_ms) else 0.0
    t_s = (result.analysis.t_ms - origin) / 1000
    fig = charts.angle_trace_figure(
        t_s, result.analysis.angles_deg, outcome.reps, exercise, origin, "Angle over time"
    )
    right.plotly_chart(fig, key="video_trace")
    model = fmt.pose_model(result.stream.info.model)
    if model:  # angles of two models differ: say whose these are
        st.caption(f"Angles measured with {model}.")
    if outcome.reps:
        st.dataframe(rep_table(outcome.reps, origin), hide_index=True, key="video_reps")
    if outcome.holds:
        st.dataframe(hold_table(outcome.holds, origin), hide_index=True, key="video_holds")


def _save(user: SignedIn, patient_id: int | None, result: VideoAnalysis) -> None:
    if patient_id is None:
        st.caption(
            "Choose a patient in the sidebar to save this analysis as one of their sessions."
        )
        return
    recorded_at = _recorded_at(result)
    if not st.button("Save as a session", type="primary", key="save_video"):
        return
    try:
        session_id, kept = save_session(database(), user.actor, patient_id, result, recorded_at)
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state[SESSION_KEY] = session_id
    kept_text = " with its landmarks (for replay)" if kept else ""
    st.success(f"Saved as session #{session_id}{kept_text}.")
    st.page_link(page_path("session_detail"), label="Open the session", icon=":material/timeline:")


def _recorded_at(result: VideoAnalysis) -> dt.datetime:
    """When the video was recorded: the file's own date when it has one, else as stated
    (the session is dated by it, not by the upload)."""
    zone = clinic_zone()
    known = result.recorded_at
    start = local(known, zone) if known else dt.datetime.now(zone).replace(second=0, microsecond=0)
    left, right = st.columns(2)
    day = left.date_input("Recorded on", value=start.date(), key="video_recorded_day")
    at = right.time_input("at", value=start.time(), key="video_recorded_time")
    st.caption(
        f"Date and time read from the video file ({fmt.when(known, zone)}): change them if "
        "they are wrong." if known else "The video file does not say when it was recorded: "
        "give the day it was filmed."
    )  # fmt: skip
    length = fmt.duration(result.length_s)
    st.caption(f"The session is saved as {length} long, the length of the video.")
    return dt.datetime.combine(day, at, zone).astimezone(dt.UTC)


def _reconnect(job: JobView | None) -> None:
    """After a reload, the inputs start as the job's own (before the widgets are drawn)."""
    if job is None or "video_exercise" in st.session_state:
        return
    if job.params.get("exercise_id") not in exercise_library().exercises:
        return
    st.session_state["video_exercise"] = job.params["exercise_id"]
    side = job.params.get("side")
    st.session_state["video_side"] = next(k for k, v in SIDES.items() if v == (side or None))
    if job.params.get("model") in MODEL_NAMES:
        st.session_state["video_model"] = job.params["model"]


def _start(user: SignedIn, inputs: Inputs, hint: bool) -> None:
    upload = st.file_uploader(
        "Video", type=sorted(s.lstrip(".") for s in VIDEO_SUFFIXES), key="video_upload"
    )
    if upload is None:
        if hint:  # nothing uploaded yet, no earlier job to show
            st.info("Upload a video (MP4, MOV, WebM…) of the exercise to count it.")
    elif st.button("Analyse", type="primary", key="analyse"):
        try:
            start_job(user, JobKind.ANALYSE_VIDEO, upload.name, upload.getvalue(),
                      inputs.params(), inputs.patient_id)  # fmt: skip
        except RehabError as exc:
            show_error(exc)


def main() -> None:
    user = require_user()
    st.title("Analyse a video")
    st.caption(
        "Upload a recording of one set; BlazePose finds the 33 keypoints in every frame "
        "and the counting engine counts it offline, with the most accurate smoothing."
    )
    earlier = current_job(user, JobKind.ANALYSE_VIDEO)
    _reconnect(earlier)
    inputs = _inputs(user)
    _start(user, inputs, hint=earlier is None)
    job = current_job(user, JobKind.ANALYSE_VIDEO)
    if job is None:
        return
    st.caption(f"Last video: {job.file_name}")
    if not job.status.is_finished:
        follow(user, job.id)
        return
    if ended_without_result(job, "analysis"):
        return
    if files_gone(job):
        st.info(f"The analysis of {job.file_name} is no longer kept: upload it again.")
        return
    if not inputs.same_as(job.params):
        st.info("The exercise, side or pose model changed: press Analyse again.")
        return
    result = analysis_of(job, inputs.exercise)
    _results(result)
    _save(user, inputs.patient_id, result)


if __name__ == "__main__":
    main()
