"""Work behind the media pages: annotate and analyse an uploaded video, save it as a
session, annotate a photo. Plain functions and dataclasses (kept in `st.session_state`
between reruns, so they live in a module, not in a page script that is re-run each time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rehab.clinic_time import local_day
from rehab.core.analysis import StreamAnalysis
from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import Side
from rehab.domain import SessionSource
from rehab.errors import InputError
from rehab.media_workspace import private_workspace
from rehab.pose.models import DEFAULT_VIDEO_MODEL
from rehab.pose.options import PoseOptions
from rehab.pose.pipeline import annotate_image
from rehab.pose.sources import VideoFile
from rehab.pose.video_analysis import analyse_video
from rehab.store import Actor, Database, PlannedSet, clinic_settings, record_session
from rehab.store.queries import patient_detail

Progress = Callable[[float, str], object]  # share done (0-1), what is happening


@dataclass(frozen=True)
class VideoAnalysis:
    file_name: str
    exercise_id: str
    side: Side | None
    analysis: StreamAnalysis
    stream: LandmarkStream
    video_mp4: bytes
    recorded_at: dt.datetime | None = None  # the file's creation_time tag, when it has one
    duration_s: float | None = None  # the video's length
    model: str = DEFAULT_VIDEO_MODEL  # the model asked for (lite, full, heavy)

    @property
    def length_s(self) -> float:
        """The recording's length: the container's, else the landmark stream's span."""
        if self.duration_s:
            return self.duration_s
        t_ms = self.stream.t_ms
        return float(t_ms[-1] - t_ms[0]) / 1000 if len(t_ms) > 1 else 0.0


def run_analysis(
    name: str,
    data: bytes,
    exercise: Exercise,
    side: Side | None,
    progress: Progress,
    model: str = DEFAULT_VIDEO_MODEL,
) -> VideoAnalysis:
    """Annotate and analyse an uploaded video; InputError names the uploaded file."""
    with private_workspace() as folder:
        source = folder / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = folder / "annotated.mp4"

        def tick(done: int, total: int) -> None:
            total = max(total, 1)
            progress(min(done / total, 1.0), f"Finding the pose: frame {done} of ~{total}")

        try:
            with VideoFile(source) as video:  # when it was recorded, and how long it is
                recorded_at, duration_s = video.recorded_at, video.duration_s
            analysed = analyse_video(
                source, exercise, side, annotated=output, options=PoseOptions(model=model),
                on_progress=tick,
            )  # fmt: skip
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        return VideoAnalysis(
            name,
            exercise.id,
            side,
            analysed.analysis,
            analysed.stream,
            output.read_bytes(),
            recorded_at,
            duration_s,
            model,
        )


def save_session(
    db: Database,
    actor: Actor,
    patient_id: int,
    result: VideoAnalysis,
    recorded_at: dt.datetime | None = None,
) -> tuple[int, bool]:
    """Store the analysed set as an uploaded session, dated by its recording (`recorded_at`,
    else the file's creation time, else now) and as long as the video; linked to the item
    of the program active that day when the exercise is in it (otherwise it is shown, but
    is not a session of the program). Keeps the landmarks if the patient opted in."""
    when = recorded_at or result.recorded_at or dt.datetime.now(dt.UTC)
    with db.transaction() as tx:
        patient = patient_detail(tx, actor, patient_id)
        day = local_day(when, clinic_settings(tx).zone)
    program = next((p for p in patient.programs if p.active_on(day)), None)
    item = (
        next((i for i in program.items if i.exercise_id == result.exercise_id), None)
        if program
        else None
    )
    planned = PlannedSet(
        result.analysis.result,
        result.side or Side.BOTH,
        item.item_id if item else None,
        duration_s=result.length_s,
        landmarks=result.stream if patient.store_landmarks else None,
        pose_model=result.stream.info.model[:64] or None,
    )
    session_id = record_session(
        db,
        actor,
        patient_id,
        [planned],
        started_at=when,
        source=SessionSource.UPLOAD,
        prescription_id=program.prescription_id if program else None,
        notes=f"video {result.file_name}",
    )
    return session_id, patient.store_landmarks


@dataclass(frozen=True)
class Annotated:
    file_name: str
    digest: str  # of the uploaded bytes: a new upload is annotated again
    png: bytes
    detected: bool
    visible: int  # keypoints at or above the drawing threshold
    model: str  # the recorded model name, e.g. "blazepose-full (mediapipe 0.10.33)"
    asked: str = DEFAULT_VIDEO_MODEL  # the model chosen (lite, full, heavy)


def annotate(
    name: str, data: bytes, min_visibility: float = 0.5, model: str = DEFAULT_VIDEO_MODEL
) -> Annotated:
    """The photo with the skeleton drawn, as PNG; InputError names the uploaded file."""
    with private_workspace() as folder:
        source = folder / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = folder / "annotated.png"
        try:
            result = annotate_image(source, output, model, min_visibility)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        pose = result.pose
        visible = int((pose.visibility >= min_visibility).sum()) if pose.detected else 0
        return Annotated(
            name, digest_of(data), output.read_bytes(), pose.detected, visible, result.model, model
        )


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
