"""Work behind the media pages: annotate and analyse an uploaded video, save it as a
session, annotate a photo. Plain functions and dataclasses (kept in `st.session_state`
between reruns, so they live in a module, not in a page script that is re-run each time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rehab.core.analysis import StreamAnalysis
from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import Side
from rehab.domain import SessionSource
from rehab.errors import InputError
from rehab.pose.pipeline import annotate_image
from rehab.pose.video_analysis import analyse_video
from rehab.store import Actor, Database, SessionRecorder
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


def run_analysis(
    name: str, data: bytes, exercise: Exercise, side: Side | None, progress: Progress
) -> VideoAnalysis:
    """Annotate and analyse an uploaded video; InputError names the uploaded file."""
    with tempfile.TemporaryDirectory(prefix="rehab-upload-") as folder:
        source = Path(folder) / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = Path(folder) / "annotated.mp4"

        def tick(done: int, total: int) -> None:
            total = max(total, 1)
            progress(min(done / total, 1.0), f"Finding the pose: frame {done} of ~{total}")

        try:
            video = analyse_video(source, exercise, side, annotated=output, on_progress=tick)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        return VideoAnalysis(
            name, exercise.id, side, video.analysis, video.stream, output.read_bytes()
        )


def save_session(
    db: Database, actor: Actor, patient_id: int, result: VideoAnalysis
) -> tuple[int, bool]:
    """Store the analysed set as an uploaded session; keep the landmarks if opted in."""
    with db.transaction() as tx:
        patient = patient_detail(tx, actor, patient_id)
    today = dt.datetime.now(dt.UTC).date()
    program = next((p for p in patient.programs if p.active_on(today)), None)
    item = (
        next((i for i in program.items if i.exercise_id == result.exercise_id), None)
        if program
        else None
    )
    side = result.side or Side.BOTH
    with SessionRecorder.start(
        db, actor, patient_id, source=SessionSource.UPLOAD,
        prescription_id=program.prescription_id if program else None,
    ) as recorder:  # fmt: skip
        set_id = recorder.record_set(result.analysis.result, side, item.item_id if item else None)
        if patient.store_landmarks:
            recorder.store_landmarks(result.stream, set_id)
        return recorder.session_id, patient.store_landmarks


@dataclass(frozen=True)
class Annotated:
    file_name: str
    digest: str  # of the uploaded bytes: a new upload is annotated again
    png: bytes
    detected: bool
    visible: int  # keypoints at or above the drawing threshold
    model: str


def annotate(name: str, data: bytes, min_visibility: float = 0.5) -> Annotated:
    """The photo with the skeleton drawn, as PNG; InputError names the uploaded file."""
    with tempfile.TemporaryDirectory(prefix="rehab-image-") as folder:
        source = Path(folder) / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = Path(folder) / "annotated.png"
        try:
            result = annotate_image(source, output, min_visibility=min_visibility)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        pose = result.pose
        visible = int((pose.visibility >= min_visibility).sum()) if pose.detected else 0
        digest = digest_of(data)
        return Annotated(name, digest, output.read_bytes(), pose.detected, visible, result.model)


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
