"""`rehab worker` as a real process on a real clip, on SQLite and PostgreSQL: a job's
process killed mid-job fails that job with a message and the next job still runs; SIGTERM
puts the running job back in the queue and the worker exits 0; `--once` does one job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from rehab.domain import JobKind, JobStatus
from rehab.jobs import files
from rehab.pose.video_out import H264Writer
from rehab.store import (
    Database,
    JobView,
    cancel_job,
    claim_next_job,
    enqueue_job,
    finish_job,
    job_view,
)
from rehab.store.testing import Clinic
from rehab.streamfile import load_stream
from tests.conftest import require_clips
from tests.hostile_media import write_png
from tests.worker_support import run_worker_once

pytest_plugins = ["rehab.store.pytest_plugin"]

CLIP = "knee_extension__seated_oblique_home.mp4"  # 175 frames, one rep


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REHAB_HOME", str(tmp_path))
    return tmp_path


def queue(db: Database, clinic: Clinic, kind: JobKind, path: Path, **params: object) -> int:
    token = files.new_upload(path.name, path.read_bytes())
    with db.transaction() as tx:
        return enqueue_job(tx, clinic.ther_a, kind, token, path.name, dict(params))


def view(db: Database, clinic: Clinic, job_id: int) -> JobView:
    with db.read() as tx:
        return job_view(tx, clinic.ther_a, job_id)


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def child_pids(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


@pytest.fixture
def worker(db_url: str, home: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "rehab.cli", "worker", "--poll-s", "0.2"]
    process = subprocess.Popen(command, env={**os.environ, "REHAB_DATABASE_URL": db_url})
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


def test_a_killed_job_fails_alone_and_sigterm_requeues(
    db: Database, clinic: Clinic, home: Path, worker: subprocess.Popen[bytes]
) -> None:
    clip = require_clips() / CLIP
    video = queue(db, clinic, JobKind.ANALYSE_VIDEO, clip, exercise_id="knee_extension")
    photo = queue(db, clinic, JobKind.ANNOTATE_IMAGE, write_png(home / "blank.png", 64, 48))
    wait_for("the video's first progress", lambda: view(db, clinic, video).progress > 0)
    (child,) = child_pids(worker.pid)
    os.kill(child, signal.SIGKILL)  # a crash in native code, as the worker sees it
    wait_for("the video job to fail", lambda: view(db, clinic, video).status.is_finished)
    failed = view(db, clinic, video)
    assert failed.status is JobStatus.FAILED
    assert f"The work on {CLIP} stopped" in failed.error and "SIGKILL" in failed.error
    assert not files.upload_path(failed.media_token, CLIP).exists()  # the upload is gone
    wait_for("the photo job", lambda: view(db, clinic, photo).status.is_finished)
    done = view(db, clinic, photo)
    assert done.status is JobStatus.DONE, done.error
    assert done.result["detected"] is False and done.result["visible"] == 0
    assert files.output_path(done.media_token, done.result["image"]).is_file()

    again = queue(db, clinic, JobKind.ANALYSE_VIDEO, clip, exercise_id="knee_extension")
    wait_for("the second video to start", lambda: view(db, clinic, again).progress > 0)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    back = view(db, clinic, again)
    assert (back.status, back.attempts) == (JobStatus.QUEUED, 0)
    assert files.upload_path(back.media_token, CLIP).is_file()  # kept for the next worker


def test_once_analyses_a_real_clip(db: Database, db_url: str, clinic: Clinic, home: Path) -> None:
    clip = require_clips() / CLIP
    job_id = queue(db, clinic, JobKind.ANALYSE_VIDEO, clip, exercise_id="knee_extension")
    run = subprocess.run(
        [sys.executable, "-m", "rehab.cli", "worker", "--once"],
        env={**os.environ, "REHAB_DATABASE_URL": db_url},
        timeout=600,
        check=False,
    )
    assert run.returncode == 0
    done = view(db, clinic, job_id)
    assert done.status is JobStatus.DONE, done.error
    assert done.result["reps"] == 1  # MANIFEST2: one rep
    assert done.result["duration_s"] == pytest.approx(5.83, abs=0.05)
    stream = load_stream(files.output_path(done.media_token, done.result["landmarks"]))
    assert len(stream.t_ms) == 175
    assert files.output_path(done.media_token, done.result["video"]).stat().st_size > 10_000
    assert not files.upload_path(done.media_token, CLIP).exists()


def test_once_annotates_a_video_and_refuses_a_token_that_is_a_path(
    db: Database, db_url: str, clinic: Clinic, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHAB_DATABASE_URL", db_url)
    room = home / "room.mp4"
    with H264Writer(room, 15.0, (160, 120)) as writer:
        for i in range(20):
            frame = np.full((120, 160, 3), 128, np.uint8)
            frame[:, i * 7 : i * 7 + 10] = 40
            writer.write(frame, i * 1000 / 15)
    job_id = queue(db, clinic, JobKind.ANNOTATE_VIDEO, room)
    run_worker_once()
    done = view(db, clinic, job_id)
    assert done.status is JobStatus.DONE, done.error
    assert files.output_path(done.media_token, done.result["video"]).stat().st_size > 1000
    with pytest.raises(ValueError, match="not a media token"):
        files.job_folder("../../etc")


def test_a_job_runs_the_model_it_names_and_never_a_path(
    db: Database, db_url: str, clinic: Clinic, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHAB_DATABASE_URL", db_url)
    photo = write_png(home / "room.png", 64, 48)
    lite = queue(db, clinic, JobKind.ANNOTATE_IMAGE, photo, model="lite")
    path = queue(db, clinic, JobKind.ANNOTATE_IMAGE, photo, model=str(home / "evil.task"))
    run_worker_once()
    run_worker_once()
    assert view(db, clinic, lite).result["model"].startswith("blazepose-lite")
    refused = view(db, clinic, path)
    assert refused.status is JobStatus.FAILED
    assert "pose model" in (refused.error or "") and "lite, full, heavy" in (refused.error or "")


def test_a_cancelled_job_stops_and_the_worker_goes_on(
    db: Database, clinic: Clinic, home: Path, worker: subprocess.Popen[bytes]
) -> None:
    clip = require_clips() / CLIP
    video = queue(db, clinic, JobKind.ANALYSE_VIDEO, clip, exercise_id="knee_extension")
    wait_for("the video's first progress", lambda: view(db, clinic, video).progress > 0)
    (child,) = child_pids(worker.pid)
    with db.transaction() as tx:
        assert cancel_job(tx, clinic.ther_a, video).status is JobStatus.RUNNING  # flagged
    wait_for("the video job to end", lambda: view(db, clinic, video).status.is_finished)
    stopped = view(db, clinic, video)
    assert (stopped.status, stopped.error) == (JobStatus.CANCELLED, "")
    assert not Path(f"/proc/{child}").exists() or child not in child_pids(worker.pid)
    assert not files.upload_path(stopped.media_token, CLIP).exists()

    photo = queue(db, clinic, JobKind.ANNOTATE_IMAGE, write_png(home / "blank.png", 64, 48))
    wait_for("the photo job", lambda: view(db, clinic, photo).status.is_finished)
    assert view(db, clinic, photo).status is JobStatus.DONE
    assert worker.poll() is None  # the worker is still there


def test_an_upload_whose_job_was_never_queued_is_swept_after_a_day(
    db: Database, db_url: str, clinic: Clinic, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHAB_DATABASE_URL", db_url)
    two_days_ago = time.time() - 2 * 86400
    orphan = files.new_upload("lost.mp4", b"a patient's video")  # its dashboard died here
    fresh = files.new_upload("new.mp4", b"being queued right now")
    kept = queue(db, clinic, JobKind.ANNOTATE_IMAGE, write_png(home / "p.png", 8, 8))
    assert claim_next_job(db, "host:1") is not None
    assert finish_job(db, kept, "host:1", {"image": "x.png"})  # finished just now
    token = view(db, clinic, kept).media_token
    for old in (orphan, token):
        os.utime(files.job_folder(old), (two_days_ago, two_days_ago))
    run_worker_once()
    assert not files.job_folder(orphan).exists()
    assert files.job_folder(fresh).is_dir() and files.job_folder(token).is_dir()
