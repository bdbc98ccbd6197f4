"""Two processes at once: a patient's live session writes reps while a therapist reads and
writes. No write is lost, and nobody sees "database is locked"."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rehab.core.results import Side
from rehab.store import Database, SessionRecorder, queries
from rehab.store.models import CheckIn, ExerciseSet, Rep
from rehab.store.testing import Clinic, make_rep, sql_session
from tests.store_writer_process import command

pytest_plugins = ["rehab.store.pytest_plugin"]


N_REPS = 60


def test_live_session_in_another_process_while_the_therapist_works(
    db: Database, clinic: Clinic
) -> None:
    actor, patient = clinic.pat_users[0], clinic.patients[0]
    child = subprocess.Popen(
        command(db, actor, patient, N_REPS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    therapist_rounds = 0
    other = SessionRecorder.start(db, clinic.ther_a, clinic.patients[1])
    other.begin_set("knee_extension", Side.LEFT)
    while child.poll() is None or therapist_rounds < 5:
        with db.transaction() as tx:  # reads + an audit write, in one transaction
            queries.list_patients(tx, clinic.ther_a)
            queries.rom_progress(tx, clinic.ther_a, patient)
            time.sleep(0.05)  # hold the transaction while the other process wants to write
        other.record_rep(make_rep(therapist_rounds + 1))
        other.check_in(pain_before=therapist_rounds % 11)
        therapist_rounds += 1
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert "locked" not in err.lower()
    assert out.splitlines()[-1] == "done"
    session_id = int(out.splitlines()[0].split()[1])
    with sql_session(db) as s:
        in_session = (
            select(func.count(Rep.id)).join(ExerciseSet).where(ExerciseSet.session_id == session_id)
        )
        assert s.scalar(in_session) == N_REPS
        assert (
            s.scalar(
                select(func.count(Rep.id))
                .join(ExerciseSet)
                .where(ExerciseSet.session_id == other.session_id)
            )
            == therapist_rounds
        )
        assert s.scalar(select(func.count(CheckIn.id))) == 1
    assert therapist_rounds >= 5


def test_writers_queue_instead_of_failing(db: Database, clinic: Clinic) -> None:
    """A write transaction held open makes the other writer wait, not fail."""
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    recorder.begin_set("knee_extension", Side.LEFT)
    errors: list[BaseException] = []
    holding = threading.Event()

    def hold_the_write_lock() -> None:
        try:
            with db.transaction() as tx:
                queries.list_patients(tx, clinic.admin)  # writes an audit entry
                holding.set()
                time.sleep(0.5)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            holding.set()

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    holding.wait(10)
    started = time.perf_counter()
    recorder.record_rep(make_rep(1))  # must wait for the other transaction
    waited = time.perf_counter() - started
    thread.join()
    assert errors == []
    if db.backend == "sqlite":
        assert waited >= 0.3  # it really queued behind the held write lock
    with sql_session(db) as s:
        assert s.scalar(select(func.count(Rep.id))) == 1


def test_why_writes_begin_immediate_on_sqlite(tmp_path: Path) -> None:
    """The failure BEGIN IMMEDIATE avoids: a deferred read transaction that later writes gets
    "database is locked" at once, busy timeout or not, if another connection wrote first."""
    path = tmp_path / "plain.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    reader = sqlite3.connect(path, timeout=5, isolation_level=None)
    writer = sqlite3.connect(path, timeout=5, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        reader.execute("INSERT INTO t VALUES (2)")
    reader.execute("ROLLBACK")
    reader.close()
    writer.close()
