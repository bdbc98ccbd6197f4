"""The one rule that closes live sessions nobody writes any more.

A session is written while it happens (`SessionRecorder`): every write, and a heartbeat
during rests, moves its `last_activity_at`; its `owner` is the writing process ("host:pid").
`close_stale_sessions` marks an in-progress session interrupted when

- its owner is a process on this host that no longer runs (killed, crashed), or
- it has had no write for `quiet_for` (the tab closed, the camera dropped, another host's
  process died).

The app calls it when it starts (`open_database`, `quiet_for` = 30 min) and the live page
when it loads (`quiet_for` short: its writers heartbeat every 20 s while frames arrive).
The session's reps stay; `ended_at` is its last activity. A closed session is final: the
recorder never reopens it (a write that comes later starts a continuation session).
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rehab.domain import SessionStatus
from rehab.store.database import Database, run_transaction
from rehab.store.models import ExerciseSession
from rehab.store.times import utc_now

STALE_AFTER = dt.timedelta(minutes=30)


def process_owner() -> str:
    """This process as a session owner: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def close_stale_sessions(
    db: Database, now: dt.datetime | None = None, *, quiet_for: dt.timedelta = STALE_AFTER
) -> int:
    """Mark in-progress sessions interrupted when their process is gone or they have been
    quiet for `quiet_for`. Returns how many were closed; their reps stay."""
    moment = now or utc_now()

    def work(session: Session) -> int:
        rows = session.execute(
            select(
                ExerciseSession.id, ExerciseSession.owner, ExerciseSession.last_activity_at
            ).where(ExerciseSession.status == SessionStatus.IN_PROGRESS.value)
        ).all()
        stale = [
            row.id
            for row in rows
            if _owner_is_dead(row.owner) or row.last_activity_at < moment - quiet_for
        ]
        if stale:
            session.execute(
                update(ExerciseSession)
                .where(
                    ExerciseSession.id.in_(stale),
                    ExerciseSession.status == SessionStatus.IN_PROGRESS.value,
                )
                .values(
                    status=SessionStatus.INTERRUPTED.value,
                    ended_at=ExerciseSession.last_activity_at,
                    owner=None,
                )
            )
        return len(stale)

    return run_transaction(db, work, what="closing stale sessions")


def _owner_is_dead(owner: str | None) -> bool:
    """True when `owner` ("host:pid") is a process on this host that no longer runs."""
    if not owner or ":" not in owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
