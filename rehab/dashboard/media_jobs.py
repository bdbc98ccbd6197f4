"""The media pages' side of `rehab worker`: queue an upload as a job, follow its progress,
read its result. The work itself runs in the worker's processes (rehab/jobs), never in the
Streamlit server: a crash while decoding fails one job, not the dashboard.

A page keeps its job's id in the session; after a reload it finds the user's newest job of
its kind again (`latest_job`), so a long analysis is not lost with the tab.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from rehab.core.analysis import analyze_stream_detailed
from rehab.core.exercise import Exercise
from rehab.core.results import Side
from rehab.dashboard.media import Annotated, VideoAnalysis
from rehab.dashboard.state import SignedIn, database
from rehab.domain import JobKind, JobStatus
from rehab.jobs import files
from rehab.store import JobView, cancel_job, enqueue_job, job_view, latest_job
from rehab.streamfile import load_stream

POLL_S = 1.0
ANALYSIS_KEY = "video_analysis"


def _key(kind: JobKind) -> str:
    return f"job_{kind.value}"


def start_job(
    user: SignedIn,
    kind: JobKind,
    file_name: str,
    data: bytes,
    params: dict[str, Any],
    patient_id: int | None = None,
) -> int:
    """Keep the upload in the job folder and queue the job; the page follows it from now."""
    token = files.new_upload(file_name, data)
    try:
        with database().transaction() as tx:
            job_id = enqueue_job(tx, user.actor, kind, token, file_name, params, patient_id)
    except BaseException:
        files.drop_job_files(token)
        raise
    st.session_state[_key(kind)] = job_id
    return job_id


def current_job(user: SignedIn, kind: JobKind) -> JobView | None:
    """This session's job of `kind`, else (a reload) the user's newest one."""
    job_id = st.session_state.get(_key(kind))
    with database().read() as tx:
        if isinstance(job_id, int):
            return job_view(tx, user.actor, job_id)
        job = latest_job(tx, user.actor, kind)
    if job is not None:
        st.session_state[_key(kind)] = job.id
    return job


@st.fragment(run_every=POLL_S)
def follow(user: SignedIn, job_id: int) -> None:
    """The job's progress, polled; the whole page runs again once the job has ended."""
    with database().read() as tx:
        job = job_view(tx, user.actor, job_id)
    if job.status.is_finished:
        st.rerun()
    waiting = job.status is JobStatus.QUEUED
    st.progress(job.progress, text="Waiting for a worker…" if waiting else job.progress_text)
    if st.button("Cancel", key=f"cancel_job_{job.id}", icon=":material/cancel:"):
        with database().transaction() as tx:
            cancel_job(tx, user.actor, job.id)
        st.rerun()  # the whole page: a queued job has ended, a running one is stopping


def ended_without_result(job: JobView, work: str) -> bool:
    """A cancelled or failed job said as such (True); False when it has a result.
    `work` names it: "analysis", "annotation"."""
    if job.status is JobStatus.DONE:
        return False
    if job.status is JobStatus.CANCELLED:
        st.info(f"The {work} of {job.file_name} was cancelled. Upload a file to start again.")
    else:
        st.error(job.error or f"The {work} of {job.file_name} was stopped.")
    return True


def files_gone(job: JobView) -> bool:
    return not files.job_folder(job.media_token).is_dir()


def annotated_of(job: JobView) -> Annotated:
    """A finished image job as the page shows it."""
    result = job.result
    png = files.output_path(job.media_token, str(result["image"])).read_bytes()
    return Annotated(job.file_name, job.media_token, png, bool(result["detected"]),
                     int(result["visible"]), str(result["model"]))  # fmt: skip


def analysis_of(job: JobView, exercise: Exercise) -> VideoAnalysis:
    """A finished video job as the page shows it: the worker's landmarks counted again by
    the core (milliseconds) and its annotated video; kept in the session per job."""
    kept = st.session_state.get(ANALYSIS_KEY)
    if isinstance(kept, tuple) and kept[0] == job.id:
        return kept[1]  # type: ignore[no-any-return]
    result = job.result
    stream = load_stream(files.output_path(job.media_token, str(result["landmarks"])))
    side_value = job.params.get("side")
    side = Side(side_value) if side_value else None
    recorded = result.get("recorded_at")
    analysis = VideoAnalysis(
        job.file_name,
        exercise.id,
        side,
        analyze_stream_detailed(stream, exercise, side),
        stream,
        files.output_path(job.media_token, str(result["video"])).read_bytes(),
        dt.datetime.fromisoformat(recorded) if recorded else None,
        result.get("duration_s"),
    )
    st.session_state[ANALYSIS_KEY] = (job.id, analysis)
    return analysis
