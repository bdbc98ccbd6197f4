"""Uploaded-media jobs: queued by the dashboard, done by `rehab worker` (rehab/jobs).

The page side takes the acting user: `enqueue_job` (the patient, when named, must be one of
theirs), `job_view` and `latest_job` (their own jobs; an admin sees all). The worker side
acts as the system, keyed by the worker's name ("host:pid"):

- `claim_next_job` takes the oldest queued job in one UPDATE whose subquery locks the row
  with `FOR UPDATE SKIP LOCKED` on PostgreSQL (several workers on several machines never
  take the same job); SQLite ignores the lock clause and serialises the write (one worker);
- `job_heartbeat`, `report_progress`, `finish_job`, `fail_job` and `release_job` change the
  job only while that worker holds it (False when it no longer does);
- `reap_stale_jobs`: a running job without a heartbeat for `stale_after` (its worker died)
  goes back to the queue once, then fails with a message.

`cancel_job` (the owner, or an admin): a queued job ends at once; a running one is flagged,
its heartbeat then tells the worker to stop the work, and `end_cancelled_job` closes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rehab.domain import JobKind, JobStatus, Role
from rehab.errors import StoreError
from rehab.store.access import Actor, audit, check_patient_access, refuse
from rehab.store.database import Database, Transaction, run_transaction, sql
from rehab.store.models import AuditAction
from rehab.store.models_jobs import Job
from rehab.store.times import utc_now

MAX_ATTEMPTS = 2  # a job whose worker died runs once more, then fails
RESOURCE = "job"


@dataclass(frozen=True)
class JobView:
    """A job as its owner sees it."""

    id: int
    kind: JobKind
    status: JobStatus
    owner_id: int
    patient_id: int | None
    media_token: str
    file_name: str
    params: dict[str, Any]
    progress: float
    progress_text: str
    error: str
    result: dict[str, Any]
    attempts: int
    created_at: dt.datetime


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker needs to do a job."""

    id: int
    kind: JobKind
    media_token: str
    file_name: str
    params: dict[str, Any]
    attempts: int


def _view(job: Job) -> JobView:
    return JobView(
        job.id,
        JobKind(job.kind),
        JobStatus(job.status),
        job.owner_id,
        job.patient_id,
        job.media_token,
        job.file_name,
        dict(job.params),
        job.progress,
        job.progress_text,
        job.error,
        dict(job.result),
        job.attempts,
        job.created_at,
    )


def enqueue_job(
    tx: Transaction,
    actor: Actor,
    kind: JobKind,
    media_token: str,
    file_name: str,
    params: dict[str, Any] | None = None,
    patient_id: int | None = None,
) -> int:
    """Queue work on an upload already in the job's media folder; returns the job's id."""
    session = sql(tx)
    if patient_id is not None:
        check_patient_access(session, actor, patient_id)
    job = Job(
        kind=kind.value,
        status=JobStatus.QUEUED.value,
        owner_id=actor.user_id,
        patient_id=patient_id,
        media_token=media_token,
        file_name=file_name[:255],
        params=params or {},
        attempts=0,
        progress=0.0,
        progress_text="waiting for a worker",
        cancel_requested=False,
        error="",
        result={},
    )
    session.add(job)
    session.flush()
    audit(session, actor, AuditAction.CREATE, RESOURCE, patient_id, job.id, detail=kind.value)
    return job.id


def job_view(tx: Transaction, actor: Actor, job_id: int) -> JobView:
    """The actor's job (an admin's: any job); "no job #N among yours" otherwise."""
    session = sql(tx)
    job = session.get(Job, job_id)
    if job is None or (actor.role is not Role.ADMIN and job.owner_id != actor.user_id):
        raise refuse(session, actor, RESOURCE, job_id, job.patient_id if job else None)
    return _view(job)


def latest_job(tx: Transaction, actor: Actor, kind: JobKind) -> JobView | None:
    """The actor's newest job of `kind` (a page reloaded finds its job again)."""
    job = (
        sql(tx)
        .scalars(
            select(Job)
            .where(Job.owner_id == actor.user_id, Job.kind == kind.value)
            .order_by(Job.id.desc())
            .limit(1)
        )
        .first()
    )
    return _view(job) if job else None


CANCELLED_TEXT = "cancelled"


def cancel_job(tx: Transaction, actor: Actor, job_id: int) -> JobView:
    """Stop the actor's job: a queued one is cancelled now, a running one as soon as its
    worker's next heartbeat sees the request. A finished job is left as it is."""
    session = sql(tx)
    job = session.get(Job, job_id)
    if job is None or (actor.role is not Role.ADMIN and job.owner_id != actor.user_id):
        raise refuse(session, actor, RESOURCE, job_id, job.patient_id if job else None)
    if job.status == JobStatus.QUEUED.value:
        job.status = JobStatus.CANCELLED.value
        job.finished_at = utc_now()
        job.progress_text = CANCELLED_TEXT
    elif job.status == JobStatus.RUNNING.value:
        job.cancel_requested = True
        job.progress_text = "stopping…"
    else:
        return _view(job)
    session.flush()
    audit(session, actor, AuditAction.UPDATE, RESOURCE, job.patient_id, job.id, detail="cancel")
    return _view(job)


def claim_next_job(db: Database, worker: str) -> ClaimedJob | None:
    """Mark the oldest queued job running for `worker` and return it (None: queue empty)."""

    def work(session: Session) -> ClaimedJob | None:
        now = utc_now()
        oldest = (
            select(Job.id)
            .where(Job.status == JobStatus.QUEUED.value)
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        row = session.execute(
            update(Job)
            .where(Job.id == oldest, Job.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.RUNNING.value,
                worker=worker[:128],
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                progress_text="started",
            )
            .returning(Job.id, Job.kind, Job.media_token, Job.file_name, Job.params, Job.attempts)
        ).first()
        if row is None:
            return None
        return ClaimedJob(row.id, JobKind(row.kind), row.media_token, row.file_name,
                          dict(row.params), row.attempts)  # fmt: skip

    return run_transaction(db, work, what="claiming a job")


def _changed(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _held(
    db: Database, job_id: int, holder: str, what: str, cancelled: bool = False, **values: Any
) -> bool:
    """Set `values` on the job while `holder` (a worker) has it running, and its owner has
    (not) asked to cancel it; False when that is no longer so."""

    def work(session: Session) -> bool:
        changed = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.worker == holder[:128],
                Job.status == JobStatus.RUNNING.value,
                Job.cancel_requested.is_(cancelled),  # a cancelled job takes no more work
            )
            .values(heartbeat_at=utc_now(), **values)
        )
        return _changed(changed) > 0

    return run_transaction(db, work, what=what)


def job_heartbeat(db: Database, job_id: int, worker: str) -> bool:
    return _held(db, job_id, worker, "a job's heartbeat")


def report_progress(db: Database, job_id: int, worker: str, fraction: float, text: str) -> bool:
    share = min(max(float(fraction), 0.0), 1.0)
    return _held(db, job_id, worker, "a job's progress", progress=share, progress_text=text[:200])


def finish_job(db: Database, job_id: int, worker: str, result: dict[str, Any]) -> bool:
    return _held(
        db, job_id, worker, "a job's result",
        status=JobStatus.DONE.value, progress=1.0, progress_text="done",
        result=result, finished_at=utc_now(),
    )  # fmt: skip


def fail_job(db: Database, job_id: int, worker: str, message: str) -> bool:
    if not message.strip():
        raise StoreError(f"job #{job_id}: a failed job needs a message")
    return _held(
        db, job_id, worker, "a job's failure",
        status=JobStatus.FAILED.value, error=message, progress_text="failed",
        finished_at=utc_now(),
    )  # fmt: skip


def release_job(db: Database, job_id: int, worker: str) -> bool:
    """Put a job back in the queue (its worker is stopping); the attempt does not count."""
    return _held(
        db, job_id, worker, "releasing a job",
        status=JobStatus.QUEUED.value, worker=None, attempts=Job.attempts - 1,
        progress=0.0, progress_text="waiting for a worker (the last one stopped)",
    )  # fmt: skip


def end_cancelled_job(db: Database, job_id: int, worker: str) -> bool:
    """The worker stopped a job its owner cancelled: it ends as cancelled (True), or was not
    cancelled (False)."""
    return _held(
        db, job_id, worker, "ending a cancelled job", cancelled=True,
        status=JobStatus.CANCELLED.value, progress_text=CANCELLED_TEXT, finished_at=utc_now(),
    )  # fmt: skip


def reap_stale_jobs(db: Database, stale_after: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Running jobs whose heartbeat is older than `stale_after`: re-queued when they have
    had fewer than MAX_ATTEMPTS tries, failed with a message otherwise. Returns how many."""
    cutoff = (now or utc_now()) - stale_after
    stale = (Job.status == JobStatus.RUNNING.value) & (Job.heartbeat_at < cutoff)

    def work(session: Session) -> int:
        cancelled = _changed(session.execute(
            update(Job)
            .where(stale, Job.cancel_requested.is_(True))
            .values(status=JobStatus.CANCELLED.value, progress_text=CANCELLED_TEXT,
                    finished_at=utc_now())
        ))  # fmt: skip
        again = _changed(session.execute(
            update(Job)
            .where(stale, Job.attempts < MAX_ATTEMPTS)
            .values(status=JobStatus.QUEUED.value, worker=None, progress=0.0,
                    progress_text="its worker stopped; waiting for another try")
        ))  # fmt: skip
        failed = _changed(session.execute(
            update(Job)
            .where(stale)
            .values(status=JobStatus.FAILED.value, finished_at=utc_now(),
                    error="the worker stopped answering while doing this job, twice; "
                    "the file may be too much for it: try a shorter or smaller one")
        ))  # fmt: skip
        return cancelled + again + failed

    return run_transaction(db, work, what="reaping stale jobs")


def finished_job_media(db: Database, finished_before: dt.datetime) -> list[str]:
    """Media tokens of the jobs that ended before `finished_before` (their files may go)."""
    with db.read() as tx:
        return list(
            sql(tx).scalars(
                select(Job.media_token).where(
                    Job.finished_at.is_not(None), Job.finished_at < finished_before
                )
            )
        )


def jobs_with_media(db: Database, tokens: list[str]) -> set[str]:
    """Which of these media tokens belong to a job (the others are an upload whose job was
    never queued: its process died in between)."""
    if not tokens:
        return set()
    with db.read() as tx:
        return set(sql(tx).scalars(select(Job.media_token).where(Job.media_token.in_(tokens))))
