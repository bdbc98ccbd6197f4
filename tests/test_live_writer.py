"""The live session writer: notes queued while it was busy are saved together, in order."""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from rehab.core.results import EngineEvent, EventKind, SetResult, Side
from rehab.domain import SessionStatus
from rehab.live.flow import Counted, SetBegun, SetEnded, SetPlan
from rehab.live.writer import Finish, SessionWriter, _runs
from rehab.store import Database
from rehab.store.database import engine_of
from rehab.store.models import ExerciseSession, ExerciseSet, Rep
from rehab.store.testing import Clinic, make_rep, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

PLAN = SetPlan("knee_extension", 1, 1, target_reps=10, side=Side.LEFT)


def _rep(n: int) -> Counted:
    return Counted((EngineEvent(EventKind.REP_COMPLETED, 100.0 * n, Side.LEFT, rep=make_rep(n)),))


def test_consecutive_counted_notes_are_grouped_in_order() -> None:
    begun, ended = SetBegun(PLAN), SetEnded(PLAN, SetResult("knee_extension"))
    a, b, c = _rep(1), _rep(2), _rep(3)
    assert _runs([begun, a, b, ended, c, Finish(SessionStatus.COMPLETED)]) == [
        begun, [a, b], ended, [c], Finish(SessionStatus.COMPLETED),
    ]  # fmt: skip


def _queued_behind_a_slow_write(
    db: Database, clinic: Clinic, reps: list[int], engine_event: str
) -> tuple[SessionWriter, list[str]]:
    """A writer held inside its first transaction (the set's begin) while `reps` are counted
    and the set and session end; then let go and flushed. Also: the threads of every
    `engine_event` ("commit", "rollback") meanwhile."""
    engine, gate, held = engine_of(db), threading.Event(), threading.Event()
    seen: list[str] = []

    def hold_first_begin(connection: object) -> None:
        if not held.is_set():
            held.set()
            assert gate.wait(30), "the test never opened the gate"

    def note(connection: object) -> None:
        seen.append(threading.current_thread().name)

    event.listen(engine, "begin", hold_first_begin)
    event.listen(engine, engine_event, note)
    try:
        writer = SessionWriter(db, clinic.pat_users[0], clinic.patients[0])
        writer.submit(SetBegun(PLAN))
        assert held.wait(30), "the writer did not start its first transaction"
        for n in reps:
            writer.submit(_rep(n))
        writer.submit(SetEnded(PLAN, SetResult("knee_extension")))
        writer.submit(Finish(SessionStatus.COMPLETED))
        gate.set()
        assert writer.flush(30)
    finally:
        event.remove(engine, "begin", hold_first_begin)
        event.remove(engine, engine_event, note)
    return writer, seen


def test_a_burst_queued_behind_a_slow_write_is_one_commit(db: Database, clinic: Clinic) -> None:
    """The writer is held inside its first transaction while ten reps are counted; they are
    then saved in one commit, all of them, and the session ends as it should."""
    writer, commits = _queued_behind_a_slow_write(db, clinic, list(range(1, 11)), "commit")
    assert writer.error == "" and writer.saved_reps == 10
    # new session, begin the set, the ten reps, end the set, finish: 5 (14 one rep a commit)
    assert len(commits) == 5
    with sql_session(db) as s:
        assert s.scalar(select(func.count(Rep.id))) == 10
        assert s.scalar(select(func.count(ExerciseSet.ended_at))) == 1
        (status,) = s.scalars(select(ExerciseSession.status)).all()
    assert status == SessionStatus.COMPLETED.value


def test_a_group_that_fails_is_saved_one_by_one(db: Database, clinic: Clinic) -> None:
    """A rep the database refuses (rep_index -1 breaks its CHECK constraint) sinks the
    group's transaction; the writer then saves each event in its own, so every other rep of
    the group is kept, the error is reported, and the session goes on."""
    reps = [1, 2, -1, 3, 4, 5]  # queued meanwhile: one group
    writer, rollbacks = _queued_behind_a_slow_write(db, clinic, reps, "rollback")
    assert "rep_index" in writer.error and writer.saved_reps == 5
    with sql_session(db) as s:
        indexes = sorted(s.scalars(select(Rep.rep_index)).all())
        (status,) = s.scalars(select(ExerciseSession.status)).all()
    assert indexes == [1, 2, 3, 4, 5]  # the one refused rep lost, nothing else
    assert status == SessionStatus.COMPLETED.value
    assert len(rollbacks) == 2  # the group's transaction, then the refused rep's own


def test_a_note_with_nothing_to_save_is_not_handed_over(db: Database, clinic: Clinic) -> None:
    """A rep's start and peak are counted notes with nothing stored: they never reach the
    writer's thread (handing each over cost the live server a thread wake-up), so before a
    set begins they do not even open a session; a rep after them is saved as before."""
    writer = SessionWriter(db, clinic.pat_users[0], clinic.patients[0])
    started = EngineEvent(EventKind.REP_STARTED, 10.0, Side.LEFT)
    peak = EngineEvent(EventKind.PEAK_REACHED, 20.0, Side.LEFT)
    writer.submit(Counted((started, peak)))
    assert writer.flush(30)
    with sql_session(db) as s:
        assert s.scalar(select(func.count(ExerciseSession.id))) == 0
    writer.submit(SetBegun(PLAN))
    writer.submit(Counted((started,)))
    writer.submit(_rep(1))
    writer.submit(Finish(SessionStatus.COMPLETED))
    assert writer.flush(30)
    assert writer.error == "" and writer.saved_reps == 1
