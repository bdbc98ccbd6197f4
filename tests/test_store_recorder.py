"""The live recorder: every rep kept as it is counted; killed sessions become interrupted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import signal
import subprocess

import numpy as np
import pytest
from sqlalchemy import event, func, inspect, select

from rehab.core.landmarks import LandmarkStream, StreamInfo
from rehab.core.results import (
    FormIssue,
    HoldResult,
    RepResult,
    SetFigures,
    SetResult,
    Severity,
    Side,
    SideFigures,
)
from rehab.domain import SessionStatus
from rehab.errors import AccessDenied, StoreError
from rehab.store import Database, SessionRecorder, close_stale_sessions, queries
from rehab.store.database import engine_of
from rehab.store.models import (
    ExerciseSession,
    ExerciseSet,
    FormIssueRow,
    Hold,
    Patient,
    Rep,
    SetStats,
)
from rehab.store.queries import load_landmarks
from rehab.store.rollup import STATS_COLUMNS, stats_select
from rehab.store.testing import T0, Clinic, cue, make_rep, sql_session
from tests.store_writer_process import command

pytest_plugins = ["rehab.store.pytest_plugin"]


COLUMN_FOR = {"index": "rep_index", "form_issues": None}  # RepResult/HoldResult field -> column
FIGURES = SetFigures(
    left=SideFigures(reps=3, mean_rom_deg=71.5), right=SideFigures(reps=2, mean_rom_deg=60.0)
)


def status_of(db: Database, session_id: int) -> str:
    with sql_session(db) as s:
        row = s.get(ExerciseSession, session_id)
        assert row is not None
        return row.status


@pytest.mark.parametrize(
    ("result_type", "model"), [(RepResult, Rep), (HoldResult, Hold), (FormIssue, FormIssueRow)]
)
def test_every_engine_field_has_a_column(result_type: type, model: type) -> None:
    columns = {c.key for c in inspect(model).columns}
    for field in dataclasses.fields(result_type):
        column = COLUMN_FOR.get(field.name, field.name)
        if column is not None:
            assert column in columns, f"{result_type.__name__}.{field.name} is not stored"


def test_set_result_fields_are_stored() -> None:
    stored = {"exercise_id", "reps", "holds", "figures", "warnings"}
    assert {f.name for f in dataclasses.fields(SetResult)} <= stored


def test_reps_round_trip_exactly(db: Database, clinic: Clinic) -> None:
    nan_rep = dataclasses.replace(make_rep(3), peak_ms=math.nan, peak_angle_deg=math.nan)
    reps = [
        make_rep(1, issues=(cue(10.0), cue(20.0, Severity.CRITICAL))),
        make_rep(2, side=Side.RIGHT),
        nan_rep,
        make_rep(0, rom_deg=30.0, complete=False),
    ]
    hold = HoldResult("wall_sit", Side.BOTH, 0.0, 21000.0, 20.5, 95.25, True, 0.8, (cue(5.0),))
    with SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0]) as recorder:
        recorder.begin_set("knee_extension", Side.LEFT)
        for rep in reps:
            recorder.record_rep(rep)
        recorder.end_set(FIGURES, ("left hip never visible",))
        recorder.begin_set("wall_sit")
        recorder.record_hold(hold)
        recorder.end_set()
    with db.transaction() as tx:
        detail = queries.session_detail(tx, clinic.ther_a, recorder.session_id)
    first, second = detail.sets
    assert first.reps[:2] == tuple(reps[:2]) and first.reps[3] == reps[3]
    assert math.isnan(first.reps[2].peak_ms) and math.isnan(first.reps[2].peak_angle_deg)
    assert dataclasses.replace(first.reps[2], peak_ms=0.0, peak_angle_deg=0.0) == (
        dataclasses.replace(nan_rep, peak_ms=0.0, peak_angle_deg=0.0)
    )
    assert first.figures == FIGURES and first.warnings == ("left hip never visible",)
    assert second.holds == (hold,) and second.set_index == 1
    assert detail.summary.status == "completed"
    assert (detail.summary.complete_reps, detail.summary.partial_reps) == (3, 1)


def test_each_rep_is_committed_when_counted(db: Database, clinic: Clinic) -> None:
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    recorder.begin_set("knee_extension", Side.LEFT)
    for n in range(1, 4):
        recorder.record_rep(make_rep(n))
        with sql_session(db) as s:  # a separate connection sees it at once
            assert s.scalar(select(func.count(Rep.id))) == n
    assert status_of(db, recorder.session_id) == "in_progress"


def test_record_set_for_uploads(db: Database, clinic: Clinic) -> None:
    result = SetResult("knee_extension", reps=(make_rep(1), make_rep(2)), figures=FIGURES)
    with SessionRecorder.start(db, clinic.ther_a, clinic.patients[0]) as recorder:
        recorder.record_set(result, Side.LEFT)
        recorder.record_set(result, Side.LEFT)
    with db.transaction() as tx:
        detail = queries.session_detail(tx, clinic.ther_a, recorder.session_id)
    assert [d.set_index for d in detail.sets] == [1, 2]
    assert all(d.reps == result.reps for d in detail.sets)


def test_unmeasured_set_figures_round_trip_as_nan(db: Database, clinic: Clinic) -> None:
    # A one-sided set has no right-side ROM: NaN, which PostgreSQL's JSON refuses as such.
    figures = SetFigures(
        left=SideFigures(reps=1, mean_rom_deg=71.5),
        right=SideFigures(reps=0, mean_rom_deg=math.nan),
    )
    result = SetResult("knee_extension", reps=(make_rep(1),), figures=figures)
    with SessionRecorder.start(db, clinic.ther_a, clinic.patients[0]) as recorder:
        recorder.record_set(result, Side.LEFT)
    with db.transaction() as tx:
        stored = queries.session_detail(tx, clinic.ther_a, recorder.session_id).sets[0].figures
    assert stored.left == SideFigures(reps=1, mean_rom_deg=71.5)
    assert stored.right is not None and stored.right.reps == 0
    assert math.isnan(stored.right.mean_rom_deg) and math.isnan(stored.rom_asymmetry_pct)


def test_set_figures_written_before_they_were_typed_read_back(db: Database, clinic: Clinic) -> None:
    """Rows keep the flat JSON the engine has always written: old rows read as SetFigures."""
    with SessionRecorder.start(db, clinic.ther_a, clinic.patients[0]) as recorder:
        set_id = recorder.record_set(SetResult("hip_abduction"), Side.BOTH)
    old_json = {
        "left_reps": 3.0, "left_mean_rom_deg": 45.0, "right_reps": 2.0,
        "right_mean_rom_deg": 30.0, "rom_asymmetry_pct": 33.3, "tempo_s": 2.5,
    }  # fmt: skip
    with sql_session(db) as s:
        s.get(ExerciseSet, set_id).extra = old_json  # type: ignore[union-attr]
    with db.transaction() as tx:
        figures = queries.session_detail(tx, clinic.ther_a, recorder.session_id).sets[0].figures
    assert figures.left == SideFigures(reps=3, mean_rom_deg=45.0)
    assert figures.right == SideFigures(reps=2, mean_rom_deg=30.0)
    assert figures.rom_asymmetry_pct == pytest.approx(100 * 15 / 45)
    assert {k: v for k, v in figures.to_json().items() if k != "rom_asymmetry_pct"} == {
        k: v for k, v in old_json.items() if k not in ("rom_asymmetry_pct", "tempo_s")
    }


def test_an_exception_leaves_the_session_interrupted_with_its_reps(
    db: Database, clinic: Clinic
) -> None:
    with (
        pytest.raises(RuntimeError),
        SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0]) as recorder,
    ):
        recorder.begin_set("knee_extension", Side.LEFT)
        recorder.record_rep(make_rep(1))
        raise RuntimeError("camera dropped")
    assert status_of(db, recorder.session_id) == "interrupted"
    with sql_session(db) as s:
        assert s.scalar(select(func.count(Rep.id))) == 1


def test_killed_process_session_is_interrupted_on_next_start(db: Database, clinic: Clinic) -> None:
    actor = clinic.pat_users[0]
    child = subprocess.Popen(
        command(db, actor, clinic.patients[0], 5, hang=True),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    session_id = int(child.stdout.readline().split()[1])
    lines = [child.stdout.readline().strip() for _ in range(5)]
    assert lines == [f"rep {n}" for n in range(1, 6)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)

    assert status_of(db, session_id) == "in_progress"  # nobody has started since
    assert close_stale_sessions(db) == 1  # what the app does on start
    assert status_of(db, session_id) == "interrupted"
    with sql_session(db) as s:
        row = s.get(ExerciseSession, session_id)
        assert row is not None and row.ended_at == row.last_activity_at
        assert s.scalar(select(func.count(Rep.id))) == 5
    assert close_stale_sessions(db) == 0


def test_quiet_sessions_are_closed_only_after_the_stale_time(db: Database, clinic: Clinic) -> None:
    live = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: T0)
    with sql_session(db) as s:  # another host's session: its pid cannot be checked
        row = s.get(ExerciseSession, live.session_id)
        assert row is not None
        row.owner = "another-host:1234"
    assert close_stale_sessions(db, now=T0 + dt.timedelta(minutes=29)) == 0
    assert status_of(db, live.session_id) == "in_progress"
    assert close_stale_sessions(db, now=T0 + dt.timedelta(minutes=31)) == 1
    assert status_of(db, live.session_id) == "interrupted"


def _session_rows(db: Database) -> list[tuple[int, str, dt.datetime | None, int]]:
    """(id, status, ended_at, reps) of every session, oldest first."""
    with sql_session(db) as s:
        rows = s.scalars(select(ExerciseSession).order_by(ExerciseSession.id)).all()
        return [(r.id, r.status, r.ended_at, sum(len(x.reps) for x in r.sets)) for r in rows]


def test_a_closed_session_is_never_reopened(db: Database, clinic: Clinic) -> None:
    """The patient came back after the session was closed as stale: what they do next goes
    to a continuation session (the open set opened again); the closed one stays as it was."""
    at = [T0]
    live = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: at[0])
    live.begin_set("knee_extension", Side.LEFT)
    at[0] = T0 + dt.timedelta(minutes=1)
    live.record_rep(make_rep(1))
    first = live.session_id
    assert close_stale_sessions(db, now=T0 + dt.timedelta(hours=1)) == 1
    closed = _session_rows(db)
    assert closed == [(first, "interrupted", T0 + dt.timedelta(minutes=1), 1)]

    live.heartbeat()  # no data: nothing reopened, nothing new
    live.check_in(pain_before=4)  # a check-in may still be added to a closed session
    assert _session_rows(db) == closed

    at[0] = T0 + dt.timedelta(hours=2)
    live.record_rep(make_rep(2))
    live.end_set()
    live.finish()
    rows = _session_rows(db)
    assert rows[0] == closed[0]  # untouched: still interrupted, same end, same reps
    assert rows[1][1:] == ("completed", T0 + dt.timedelta(hours=2), 1)
    assert live.session_id == rows[1][0] != first
    with db.transaction() as tx:
        detail = queries.session_detail(tx, clinic.ther_a, live.session_id)
    assert [(d.exercise_id, d.side, len(d.reps)) for d in detail.sets] == [
        ("knee_extension", Side.LEFT, 1)
    ]


def test_finishing_a_session_closed_as_stale_keeps_its_status(db: Database, clinic: Clinic) -> None:
    live = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0], clock=lambda: T0)
    assert close_stale_sessions(db, now=T0 + dt.timedelta(hours=1)) == 1
    live.finish()  # the page ends it "completed" after the stale rule closed it
    assert [r[1] for r in _session_rows(db)] == ["interrupted"]


def test_check_in_validation_and_update(db: Database, clinic: Clinic) -> None:
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    with pytest.raises(StoreError, match="pain before must be 0-10"):
        recorder.check_in(pain_before=11)
    with pytest.raises(StoreError, match="RPE"):
        recorder.check_in(effort_rpe=-1)
    first = recorder.check_in(pain_before=3)
    assert recorder.check_in(pain_before=3, pain_after=5, effort_rpe=6, comment="ok") == first
    with db.transaction() as tx:
        (point,) = queries.pain_and_effort(tx, clinic.ther_a, clinic.patients[0])
    assert (point.pain_before, point.pain_after, point.effort_rpe, point.comment) == (3, 5, 6, "ok")


def test_rep_before_a_set_is_refused(db: Database, clinic: Clinic) -> None:
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    with pytest.raises(StoreError, match="begin_set"):
        recorder.record_rep(make_rep(1))


def _stream() -> LandmarkStream:
    frames = 12
    rng = np.random.default_rng(1)
    return LandmarkStream(
        info=StreamInfo(fps=30.0, source="webcam:0", model="test", image_size=(640, 480)),
        t_ms=np.arange(frames) * 33.3,
        image_xyz=rng.random((frames, 33, 3)),
        world_xyz=rng.random((frames, 33, 3)),
        visibility=rng.random((frames, 33)),
    )


def test_landmark_streams_only_with_consent(db: Database, clinic: Clinic) -> None:
    stream = _stream()
    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    with pytest.raises(AccessDenied, match="opted in"):
        recorder.store_landmarks(stream)
    with sql_session(db) as s:
        patient = s.get(Patient, clinic.patients[0])
        assert patient is not None
        patient.store_landmarks = True
    stream_id = recorder.store_landmarks(stream)
    with db.transaction() as tx:
        back = load_landmarks(tx, clinic.ther_a, stream_id)
        with pytest.raises(AccessDenied):
            load_landmarks(tx, clinic.ther_b, stream_id)
    np.testing.assert_array_equal(back.image_xyz, stream.image_xyz)
    np.testing.assert_array_equal(back.t_ms, stream.t_ms)
    assert back.info == stream.info


def test_a_burst_of_events_is_one_commit(db: Database, clinic: Clinic) -> None:
    """The live writer hands over the reps queued meanwhile together: one transaction."""
    from rehab.core.results import EngineEvent, EventKind

    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    recorder.begin_set("knee_extension", Side.LEFT)
    commits: list[object] = []
    engine, count = engine_of(db), commits.append  # one bound method: listen and remove it
    event.listen(engine, "commit", count)
    try:
        reps = [make_rep(k) for k in range(1, 6)]
        recorder.record_events(
            [
                EngineEvent(EventKind.REP_COMPLETED, 10.0 * k, Side.LEFT, rep=r)
                for k, r in enumerate(reps)
            ]
        )
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1 and recorder.rep_count == 5
    with sql_session(db) as s:
        assert s.scalar(select(func.count(Rep.id))) == 5
        (complete,) = s.scalars(select(SetStats.complete_reps)).all()
    assert complete == 5  # the set's rollup refreshed in the same transaction


def test_form_cue_outside_a_rep(db: Database, clinic: Clinic) -> None:
    from rehab.core.results import EngineEvent, EventKind

    recorder = SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0])
    recorder.begin_set("knee_extension", Side.LEFT)
    recorder.record_events(
        [
            EngineEvent(EventKind.REP_STARTED, 0.0, Side.LEFT),
            EngineEvent(EventKind.FORM_CUE, 10.0, Side.LEFT, form_issue=cue(10.0)),
            EngineEvent(EventKind.REP_COMPLETED, 20.0, Side.LEFT, rep=make_rep(1)),
            EngineEvent(EventKind.PARTIAL_REP, 30.0, Side.LEFT, rep=make_rep(0, complete=False)),
        ]
    )
    with sql_session(db) as s:
        assert s.scalar(select(func.count(Rep.id))) == 2
        issues = s.scalars(select(FormIssueRow)).all()
        assert [(i.rep_id, i.rule_id) for i in issues] == [(None, "trunk_lean")]
    assert status_of(db, recorder.session_id) == SessionStatus.IN_PROGRESS.value


def test_set_stats_rollup_matches_the_reps(db: Database, clinic: Clinic) -> None:
    """The rollup the progress queries read equals a fresh aggregation of the reps."""
    rng = np.random.default_rng(5)
    with SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0]) as recorder:
        for _ in range(3):
            recorder.begin_set("knee_extension", Side.BOTH)
            for n in range(1, 12):
                rom = float(rng.uniform(30, 90))
                rep = make_rep(
                    n, rom_deg=rom, side=Side.LEFT if n % 3 else Side.RIGHT, complete=bool(n % 4)
                )
                if n == 5:
                    rep = dataclasses.replace(rep, rom_deg=math.nan, confidence=math.nan)
                recorder.record_rep(rep)
            recorder.end_set()
        recorder.record_set(SetResult("squat", reps=(make_rep(1), make_rep(2, rom_deg=50.0))))
    columns = [getattr(SetStats, c) for c in STATS_COLUMNS]
    with sql_session(db) as s:
        kept = s.execute(select(*columns).order_by(SetStats.set_id, SetStats.side)).all()
        fresh = s.execute(stats_select().order_by(Rep.set_id, Rep.side)).all()
    assert len(kept) == 7  # 3 sets x 2 sides + 1
    for row, expected in zip(kept, fresh, strict=True):
        assert row[:5] == tuple(expected[:5])
        assert row[5:] == pytest.approx(tuple(expected[5:]), nan_ok=True)
