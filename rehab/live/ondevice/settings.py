"""The ingest's limits and timings, and the secret its tokens are signed with.

The secret: `REHAB_LIVE_SECRET` (at least 32 characters; set the same value on every ingest
process and dashboard of a clinic), else a random key kept in `live-token.key` in the data
folder (created on first use, readable by its owner only), which every process on the same
machine shares.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import InputError
from rehab.live.writer import CUT_OFF_AFTER, IDLE_S
from rehab.paths import data_dir

log = logging.getLogger(__name__)

ENV_SECRET = "REHAB_LIVE_SECRET"
SECRET_FILE = "live-token.key"
MIN_SECRET_CHARS = 32


@dataclass(frozen=True)
class IngestSettings:
    """Everything the ingest enforces; the defaults are the production values."""

    page_token_ttl_s: float = 600.0  # a token issued by the live page
    refresh_token_ttl_s: float = 300.0  # the fresh tokens handed out while connected
    refresh_every_s: float = 60.0
    # a batch whose answer is only its `seq` is answered when this long has passed since the
    # connection's last message from the server (so the page's round-trip figures go on);
    # a status change, words to speak, a fresh token or dropped frames are answered at once
    reply_every_s: float = 0.5
    hello_timeout_s: float = 10.0  # the first message must come within this
    silence_timeout_s: float = 30.0  # a connection with no message for this long is closed
    grace_s: float = IDLE_S  # a dropped connection may come back and resume within this
    idle_s: float = IDLE_S  # no frame for this long: the writer stops its heartbeats
    cut_off: dt.timedelta = CUT_OFF_AFTER  # quiet this long: the store closes the session
    reaper_every_s: float = 20.0  # how often the store's stale-session rule runs
    max_fps: float = 60.0  # the highest frame rate a client may declare
    # frames are worked on at up to this times the declared rate of the device's capture
    # times (not of arrival: a late server reads queued frames together)...
    rate_factor: float = 3.0
    burst_s: float = 4.0  # ...with bursts of this many seconds' worth; the rest are dropped
    # dropped frames beyond the declared rate for this many seconds' worth: a flood, closed
    flood_s: float = 2.0
    max_batch_frames: int = 32
    max_text_bytes: int = 4096
    # client time may not run ahead of the server's clock by more than this (measured from
    # the connection's first frame, whose own delay on a busy device can be seconds)
    max_ahead_ms: float = 10_000.0
    max_connections_per_client: int = 8  # at once, from one address
    max_attempts_per_client: int = 60  # connections opened per minute from one address
    max_refusal_audits_per_client: int = 10  # refusals audited per minute per address
    max_sessions: int = 2000  # live on-device sessions in this process


def load_secret(env: dict[str, str] | None = None, folder: Path | None = None) -> bytes:
    """The token secret: `REHAB_LIVE_SECRET`, or the data folder's key file (made if
    missing). InputError when the variable is set but too short."""
    source = os.environ if env is None else env
    configured = source.get(ENV_SECRET, "").strip()
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise InputError(
                f"{ENV_SECRET} is too short: use at least {MIN_SECRET_CHARS} random characters"
            )
        return configured.encode("utf-8")
    return _secret_file(folder or data_dir())


def _secret_file(folder: Path) -> bytes:
    path = folder / SECRET_FILE
    if not path.is_file():
        _create_secret(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise InputError(f"{path}: the token secret is too short; delete the file to renew it")
    return text.encode("ascii")


def _create_secret(path: Path) -> None:
    """A new random key, written to a temporary file and linked into place: when two
    processes start at once, one link wins and both read the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        try:
            os.link(tmp_name, path)
            log.info("created the live-session token secret %s", path)
        except FileExistsError:
            pass
    finally:
        Path(tmp_name).unlink(missing_ok=True)
