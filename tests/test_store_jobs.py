"""The job queue in the store (rehab.store.jobs), on SQLite and PostgreSQL: who may queue
and see a job, the claim (never the same job twice, even for concurrent workers), progress,
result, failure, and jobs whose worker died."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from rehab.domain import JobKind, JobStatus
from rehab.errors import NotYours, StoreError
from rehab.store import (
    Database,
    cancel_job,
    claim_next_job,
    connect,
    end_cancelled_job,
    enqueue_job,
    fail_job,
    finish_job,
    job_heartbeat,
    job_view,
    latest_job,
    reap_stale_jobs,
    release_job,
    report_progress,
)
from rehab.store.testing import Clinic
from rehab.store.times import utc_now

pytest_plugins = ["rehab.store.pytest_plugin"]

WORKER = "host-a:1"


def _queue(db: Database, clinic: Clinic, n: int = 1) -> list[int]:
    with db.transaction() as tx:
        return [
            enqueue_job(tx, clinic.ther_a, JobKind.ANNOTATE_IMAGE, f"{i:032x}", f"p{i}.png")
            for i in range(n)
        ]


def test_a_job_is_its_owners(db: Database, clinic: Clinic) -> None:
    with db.transaction() as tx:
        job_id = enqueue_job(
            tx, clinic.ther_a, JobKind.ANALYSE_VIDEO, "ab" * 16, "set.mp4",
            {"exercise_id": "squat"}, clinic.patients[0],
        )  # fmt: skip
    with db.read() as tx:
        mine = job_view(tx, clinic.ther_a, job_id)
        assert latest_job(tx, clinic.ther_a, JobKind.ANALYSE_VIDEO) == mine
        assert latest_job(tx, clinic.ther_a, JobKind.ANNOTATE_IMAGE) is None
        assert job_view(tx, clinic.admin, job_id) == mine
    assert (mine.status, mine.params, mine.patient_id) == (
        JobStatus.QUEUED, {"exercise_id": "squat"}, clinic.patients[0],
    )  # fmt: skip
    with pytest.raises(NotYours, match=f"no job #{job_id} among yours"), db.read() as tx:
        job_view(tx, clinic.ther_b, job_id)
    with pytest.raises(NotYours, match="no job #999 among yours"), db.read() as tx:
        job_view(tx, clinic.ther_a, 999)
    with pytest.raises(NotYours), db.transaction() as tx:  # another therapist's patient
        enqueue_job(tx, clinic.ther_b, JobKind.ANALYSE_VIDEO, "cd" * 16, "x.mp4",
                    patient_id=clinic.patients[0])  # fmt: skip


def test_claim_progress_and_result(db: Database, clinic: Clinic) -> None:
    first, second = _queue(db, clinic, 2)
    claimed = claim_next_job(db, WORKER)
    assert claimed is not None and (claimed.id, claimed.attempts) == (first, 1)
    assert report_progress(db, first, WORKER, 0.4, "frame 4 of 10")
    assert not report_progress(db, first, "host-b:2", 0.5, "not mine")
    with db.read() as tx:
        running = job_view(tx, clinic.ther_a, first)
    assert (running.status, running.progress, running.progress_text) == (
        JobStatus.RUNNING, 0.4, "frame 4 of 10",
    )  # fmt: skip
    assert finish_job(db, first, WORKER, {"image": "annotated.png", "visible": 30})
    assert not report_progress(db, first, WORKER, 0.9, "too late")  # finished is final
    nxt = claim_next_job(db, WORKER)
    assert nxt is not None and nxt.id == second
    assert fail_job(db, second, WORKER, "This file cannot be used: p1.png: not an image")
    with pytest.raises(StoreError, match="needs a message"):
        fail_job(db, second, WORKER, " ")
    assert claim_next_job(db, WORKER) is None
    with db.read() as tx:
        done, failed = job_view(tx, clinic.ther_a, first), job_view(tx, clinic.ther_a, second)
    assert (done.status, done.progress, done.result["visible"]) == (JobStatus.DONE, 1.0, 30)
    assert (failed.status, failed.error) == (
        JobStatus.FAILED, "This file cannot be used: p1.png: not an image",
    )  # fmt: skip


def test_a_dead_workers_job_is_retried_once_then_failed(db: Database, clinic: Clinic) -> None:
    (job_id,) = _queue(db, clinic)
    minute = dt.timedelta(seconds=60)
    assert claim_next_job(db, WORKER) is not None
    assert reap_stale_jobs(db, minute) == 0  # its heartbeat is fresh
    later = utc_now() + 2 * minute
    assert reap_stale_jobs(db, minute, later) == 1
    with db.read() as tx:
        again = job_view(tx, clinic.ther_a, job_id)
    assert again.status is JobStatus.QUEUED and "another try" in again.progress_text
    assert not report_progress(db, job_id, WORKER, 0.5, "the dead worker's late write")
    retry = claim_next_job(db, "host-b:2")
    assert retry is not None and retry.attempts == 2
    assert reap_stale_jobs(db, minute, later + 2 * minute) == 1
    with db.read() as tx:
        failed = job_view(tx, clinic.ther_a, job_id)
    assert failed.status is JobStatus.FAILED and "stopped answering" in failed.error


def test_a_released_job_waits_for_the_next_worker(db: Database, clinic: Clinic) -> None:
    (job_id,) = _queue(db, clinic)
    assert claim_next_job(db, WORKER) is not None
    assert release_job(db, job_id, WORKER)
    again = claim_next_job(db, "host-b:2")
    assert again is not None and (again.id, again.attempts) == (job_id, 1)


def test_concurrent_workers_never_take_the_same_job(
    db: Database, db_url: str, clinic: Clinic
) -> None:
    queued = set(_queue(db, clinic, 24))
    taken: dict[str, list[int]] = {"host-a:1": [], "host-b:2": [], "host-c:3": []}
    start = threading.Barrier(len(taken))

    def work(name: str) -> None:
        own = connect(db_url)  # a connection pool of its own, like another machine's
        try:
            start.wait()
            while (job := claim_next_job(own, name)) is not None:
                taken[name].append(job.id)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work, args=(name,)) for name in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    claims = [job_id for ids in taken.values() for job_id in ids]
    assert sorted(claims) == sorted(queued)  # every job once, none twice


def test_cancelling_a_queued_or_running_job(db: Database, clinic: Clinic) -> None:
    queued, running = _queue(db, clinic, 2)
    with pytest.raises(NotYours), db.transaction() as tx:
        cancel_job(tx, clinic.ther_b, queued)  # not theirs
    with db.transaction() as tx:
        assert cancel_job(tx, clinic.ther_a, queued).status is JobStatus.CANCELLED
    claimed = claim_next_job(db, WORKER)  # the cancelled job is never taken
    assert claimed is not None and claimed.id == running
    with db.transaction() as tx:
        flagged = cancel_job(tx, clinic.admin, running)
    assert flagged.status is JobStatus.RUNNING and flagged.progress_text == "stopping…"
    assert not job_heartbeat(db, running, WORKER)  # the worker learns it must stop
    assert not finish_job(db, running, WORKER, {"late": True})  # no result after a cancel
    assert not end_cancelled_job(db, running, "host-b:2")  # not that worker's job
    assert end_cancelled_job(db, running, WORKER)
    with db.read() as tx:
        ended = job_view(tx, clinic.ther_a, running)
    assert (ended.status, ended.result, ended.progress_text) == (
        JobStatus.CANCELLED, {}, "cancelled",
    )  # fmt: skip
    with db.transaction() as tx:  # a finished job stays as it is
        assert cancel_job(tx, clinic.ther_a, running).status is JobStatus.CANCELLED


def test_a_cancelled_job_whose_worker_died_is_not_retried(db: Database, clinic: Clinic) -> None:
    (job_id,) = _queue(db, clinic)
    assert claim_next_job(db, WORKER) is not None
    with db.transaction() as tx:
        cancel_job(tx, clinic.ther_a, job_id)
    later = utc_now() + dt.timedelta(minutes=5)
    assert reap_stale_jobs(db, dt.timedelta(seconds=60), later) == 1
    with db.read() as tx:
        assert job_view(tx, clinic.ther_a, job_id).status is JobStatus.CANCELLED
    assert claim_next_job(db, "host-b:2") is None
