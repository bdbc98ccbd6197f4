"""One job's work, in a process of its own (`python -m rehab.jobs.run WORKER`, the job as
JSON on stdin): a crash in native code (OpenCV, MediaPipe, FFmpeg) ends this process, never
the worker or the web server; the worker then fails the job with a message
(`rehab.jobs.worker`).

The database comes from `$REHAB_DATABASE_URL`, never the command line (it may hold a
password), nor the job (its file name may name the patient). Results are file names inside
the job's folder (`rehab.jobs.files`) and figures, as JSON in the job row.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rehab.core.results import Side
from rehab.domain import JobKind
from rehab.errors import RehabError
from rehab.exercise_library import configured_dir, load_library
from rehab.jobs import files
from rehab.pose.models import DEFAULT_VIDEO_MODEL, MODEL_NAMES
from rehab.pose.options import PoseOptions
from rehab.pose.pipeline import annotate_image, annotate_video
from rehab.pose.sources import VideoFile
from rehab.pose.video_analysis import analyse_video
from rehab.store import ClaimedJob, Database, connect, fail_job, finish_job, report_progress
from rehab.streamfile import save_stream

log = logging.getLogger(__name__)

LANDMARKS = "landmarks.npz"
VIDEO = "annotated.mp4"
IMAGE = "annotated.png"
PROGRESS_EVERY_S = 0.5

Progress = Callable[[int, int], object]  # frames done, frames in all (0: unknown)


def run_job(job: ClaimedJob, progress: Progress) -> dict[str, Any]:
    """Do the job; returns its result. RehabError (naming the uploaded file) when the
    upload cannot be used."""
    source = files.upload_path(job.media_token, job.file_name)
    try:
        if job.kind is JobKind.ANNOTATE_IMAGE:
            return _annotate_image(job, source)
        if job.kind is JobKind.ANNOTATE_VIDEO:
            options = PoseOptions(model=pose_model_of(job))
            annotate_video(source, files.output_path(job.media_token, VIDEO), options)
            return {"video": VIDEO}
        return _analyse_video(job, source, progress)
    except RehabError as exc:
        raise type(exc)(str(exc).replace(str(source), job.file_name)) from exc


def pose_model_of(job: ClaimedJob) -> str:
    """The built model the page chose (default: the video default). Never a path: a job
    row must not make the worker load an arbitrary file."""
    name = job.params.get("model") or DEFAULT_VIDEO_MODEL
    if name not in MODEL_NAMES:
        raise RehabError(f"pose model {name!r} is not one of {', '.join(MODEL_NAMES)}")
    return str(name)


def _annotate_image(job: ClaimedJob, source: Path) -> dict[str, Any]:
    min_visibility = float(job.params.get("min_visibility", 0.5))
    done = annotate_image(source, files.output_path(job.media_token, IMAGE),
                          pose_model_of(job), min_visibility)  # fmt: skip
    pose = done.pose
    visible = int((pose.visibility >= min_visibility).sum()) if pose.detected else 0
    return {"image": IMAGE, "detected": bool(pose.detected), "visible": visible,
            "model": done.model}  # fmt: skip


def _analyse_video(job: ClaimedJob, source: Path, progress: Progress) -> dict[str, Any]:
    exercise = load_library(configured_dir()).get(str(job.params["exercise_id"]))
    side_text = job.params.get("side")
    side = Side(side_text) if side_text else None
    with VideoFile(source) as video:
        recorded_at, duration_s = video.recorded_at, video.duration_s
    analysed = analyse_video(source, exercise, side,
                             annotated=files.output_path(job.media_token, VIDEO),
                             options=PoseOptions(model=pose_model_of(job)),
                             on_progress=progress)  # fmt: skip
    save_stream(analysed.stream, files.output_path(job.media_token, LANDMARKS))
    return {
        "video": VIDEO,
        "landmarks": LANDMARKS,
        "recorded_at": recorded_at.isoformat() if recorded_at else None,
        "duration_s": duration_s,
        "reps": analysed.analysis.result.total_reps,
    }


def progress_reporter(db: Database, job: ClaimedJob, worker: str) -> Progress:
    """Frames done as the job's progress, written at most every PROGRESS_EVERY_S."""
    last = [0.0]

    def tick(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        share = done / total if total else 0.0
        text = f"Finding the pose: frame {done} of ~{total}" if total else f"frame {done}"
        report_progress(db, job.id, worker, min(share, 0.99), text)

    return tick


def main(argv: list[str], payload: str) -> int:
    """Run the job given as JSON (`payload`) for `worker` (`argv[0]`): 0 when the job ended
    (done, or failed with a message about the upload)."""
    raw = json.loads(payload)
    job = ClaimedJob(raw["id"], JobKind(raw["kind"]), raw["media_token"], raw["file_name"],
                     raw["params"], raw["attempts"])  # fmt: skip
    worker = argv[0]
    db = connect()
    try:
        try:
            result = run_job(job, progress_reporter(db, job, worker))
        except RehabError as exc:
            verb = "analysed" if job.kind is JobKind.ANALYSE_VIDEO else "annotated"
            fail_job(db, job.id, worker, f"This file cannot be {verb}: {exc}")
            return 0
        finally:
            files.drop_upload(job.media_token, job.file_name)
        finish_job(db, job.id, worker, result)
        return 0
    finally:
        db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main(sys.argv[1:], sys.stdin.read()))
