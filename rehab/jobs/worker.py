"""`rehab worker`: take jobs from the store's queue and do each in a child process.

The loop claims the oldest queued job, runs it with `python -m rehab.jobs.run` and, while
the child works, writes the job's heartbeat every `heartbeat_s`. A child that dies (a crash
in native code, killed for memory) fails its job with a message; the worker goes on with
the next job. A job its owner cancels is stopped at the next heartbeat. SIGTERM (or Ctrl-C)
stops the child, puts its job back in the queue and exits 0. Running jobs of workers that
died without a word (no heartbeat for `stale_after_s`) go back to the queue once, then fail
(`reap_stale_jobs`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from types import FrameType

from rehab.jobs import files
from rehab.store import (
    ENV_URL,
    ClaimedJob,
    claim_next_job,
    connect,
    end_cancelled_job,
    fail_job,
    finished_job_media,
    job_heartbeat,
    jobs_with_media,
    reap_stale_jobs,
    release_job,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    poll_s: float = 1.0  # how often an idle worker looks at the queue
    heartbeat_s: float = 5.0
    stale_after_s: float = 60.0  # a running job quiet this long lost its worker
    keep_files_for: dt.timedelta = dt.timedelta(days=1)  # a finished job's outputs
    once: bool = False  # do at most one job, and stop when the queue is empty


def crash_message(file_name: str, returncode: int) -> str:
    """What the page says about a job whose process ended without finishing it."""
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return (
            f"The work on {file_name} stopped: its process was ended by {name} (a crash "
            "while decoding the file, or out of memory). Try a shorter or smaller file."
        )
    return (
        f"The work on {file_name} stopped with an unexpected error (exit {returncode}); "
        "the worker's log has the details."
    )


class Worker:
    def __init__(self, url: str, options: WorkerOptions) -> None:
        self.url = url
        self.options = options
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.db = connect(url)
        self.stopping = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None

    def stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s: %s, stopping", self.name, signal.Signals(signum).name)
        self.stopping.set()
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()

    def run(self) -> int:
        """Work until stopped (or, with `once`, after one job or none); returns jobs done."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.stop)
        done = 0
        self._tidy()
        try:
            while not self.stopping.is_set():
                job = claim_next_job(self.db, self.name)
                if job is None:
                    if self.options.once:
                        break
                    self.stopping.wait(self.options.poll_s)
                    self._tidy()
                    continue
                self.run_one(job)
                done += 1
                if self.options.once:
                    break
        finally:
            self.db.dispose()
        return done

    def run_one(self, job: ClaimedJob) -> None:
        log.info("worker %s: job #%d (%s)", self.name, job.id, job.kind.value)
        payload = json.dumps({**asdict(job), "kind": job.kind.value})
        env = {**os.environ, ENV_URL: self.url}
        command = [sys.executable, "-m", "rehab.jobs.run", self.name]
        self.child = subprocess.Popen(command, env=env, stdin=subprocess.PIPE)
        assert self.child.stdin is not None
        with self.child.stdin:  # on stdin: the uploaded file's name never shows in `ps`
            self.child.stdin.write(payload.encode())
        try:
            returncode = self._watch(job, self.child)
        finally:
            self.child = None
        if end_cancelled_job(self.db, job.id, self.name):
            log.info("job #%d: cancelled by its owner", job.id)
        elif self.stopping.is_set() and returncode != 0:
            release_job(self.db, job.id, self.name)
        elif returncode != 0:
            fail_job(self.db, job.id, self.name, crash_message(job.file_name, returncode))
            log.warning("job #%d: its process ended with %d", job.id, returncode)
        if not self.stopping.is_set():
            files.drop_upload(job.media_token, job.file_name)

    def _watch(self, job: ClaimedJob, child: subprocess.Popen[bytes]) -> int:
        """Heartbeat the job until its child ends; kill the child if the job was taken
        from this worker (reaped as stale) or its owner cancelled it."""
        while True:
            try:
                return child.wait(timeout=self.options.heartbeat_s)
            except subprocess.TimeoutExpired:
                if not job_heartbeat(self.db, job.id, self.name):
                    log.warning("job #%d: cancelled or no longer this worker's: stopping it",
                                job.id)  # fmt: skip
                    child.kill()

    def _tidy(self) -> None:
        """Re-queue or fail the jobs of dead workers; delete old finished jobs' files."""
        stale = dt.timedelta(seconds=self.options.stale_after_s)
        reaped = reap_stale_jobs(self.db, stale)
        if reaped:
            log.warning("%d job(s) had lost their worker", reaped)
        before = dt.datetime.now(dt.UTC) - self.options.keep_files_for
        files.sweep(finished_job_media(self.db, before))
        old = files.folders_older_than(self.options.keep_files_for.total_seconds())
        files.sweep(sorted(set(old) - jobs_with_media(self.db, old)))  # never queued
