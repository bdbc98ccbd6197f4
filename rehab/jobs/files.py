"""A job's files: `<data folder>/jobs/<media token>/` (owner-only), outside the per-process
upload workspace (`rehab.media_workspace`) because a job outlives the dashboard process that
queued it. The upload is deleted as soon as its job ends, however it ends; the outputs the
page shows stay until the worker sweeps the folders of jobs finished a day ago (and the
folders of uploads whose job was never queued, once they are a day old)."""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from pathlib import Path

from rehab.paths import private_data_dir

log = logging.getLogger(__name__)

JOBS = "jobs"
UPLOAD_STEM = "upload"


def jobs_root() -> Path:
    return private_data_dir(JOBS)


def job_folder(token: str) -> Path:
    """The folder of the job with media `token` (a token is hex: never a path)."""
    if not token or not all(c in "0123456789abcdef" for c in token):
        raise ValueError(f"not a media token: {token!r}")
    return jobs_root() / token


def new_upload(file_name: str, data: bytes) -> str:
    """Keep an upload for a job; returns its media token."""
    token = secrets.token_hex(16)
    folder = job_folder(token)
    folder.mkdir(mode=0o700)
    partial = folder / ".partial"
    partial.write_bytes(data)
    partial.rename(upload_path(token, file_name))
    return token


def upload_path(token: str, file_name: str) -> Path:
    """Where the job's upload is kept (named by its suffix only, never the user's name)."""
    return job_folder(token) / f"{UPLOAD_STEM}{Path(file_name).suffix.lower()}"


def output_path(token: str, name: str) -> Path:
    return job_folder(token) / name


def drop_upload(token: str, file_name: str) -> None:
    upload_path(token, file_name).unlink(missing_ok=True)


def drop_job_files(token: str) -> None:
    shutil.rmtree(job_folder(token), ignore_errors=True)


def sweep(tokens: list[str]) -> int:
    """Delete the folders of these jobs; returns how many existed."""
    gone = 0
    for token in tokens:
        if job_folder(token).exists():
            drop_job_files(token)
            gone += 1
    if gone:
        log.info("removed the files of %d finished job(s)", gone)
    return gone


def folders_older_than(age_s: float) -> list[str]:
    """Media tokens of the job folders last changed more than `age_s` seconds ago."""
    cutoff = time.time() - age_s
    return [
        folder.name
        for folder in jobs_root().iterdir()
        if folder.is_dir() and folder.stat().st_mtime < cutoff
    ]
