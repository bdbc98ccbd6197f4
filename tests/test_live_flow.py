"""The live session's pieces without a browser: set-up check, cues, session flow, the frame
processor (mirrored cameras, overlay), the writer saving reps as they count, ICE settings."""

from __future__ import annotations

import datetime as dt
import queue
from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import func, select

from rehab.core.landmarks import Joint, LandmarkStream, PoseFrame
from rehab.core.results import Severity, Side
from rehab.core.synthetic import hide_joints, synthetic_stream
from rehab.domain import SessionStatus
from rehab.errors import InputError
from rehab.exercise_library import ExerciseLibrary, load_library
from rehab.live.cues import CueBoard
from rehab.live.flow import Phase, SessionFlow, SetBegun, SetEnded, SetPlan, expand_sets
from rehab.live.history import close_cut_off_sessions, cut_off_notice, session_summary
from rehab.live.processor import LiveProcessor, LiveUpdate, StreamClock
from rehab.live.session import LiveSession, rtc_configuration
from rehab.live.setup_check import Problem, SetupCheck
from rehab.live.writer import CUT_OFF_AFTER
from rehab.store import Database
from rehab.store.models import ExerciseSession, Rep
from rehab.store.queries import pain_and_effort
from rehab.store.testing import Clinic, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]

FEET = [
    Joint.LEFT_ANKLE,
    Joint.RIGHT_ANKLE,
    Joint.LEFT_HEEL,
    Joint.RIGHT_HEEL,
    Joint.LEFT_FOOT_INDEX,
    Joint.RIGHT_FOOT_INDEX,
]
BLACK = np.zeros((480, 640, 3), np.uint8)


@pytest.fixture(scope="module")
def library() -> ExerciseLibrary:
    return load_library()


class ReplayEstimator:
    """Hands back a recorded stream's pose at the time asked (the image is ignored)."""

    model_name = "replay"

    def __init__(self, frames: Sequence[PoseFrame]) -> None:
        self._by_time = {f.t_ms: f for f in frames}

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        return self._by_time[t_ms]

    def close(self) -> None:
        return None


def run_processor(
    frames: Sequence[PoseFrame], flow: SessionFlow, **options: object
) -> tuple[LiveProcessor, list[np.ndarray]]:
    replay = ReplayEstimator(frames)
    processor = LiveProcessor(flow, estimator_factory=lambda _options: replay, **options)  # type: ignore[arg-type]
    outputs = [processor.process(BLACK, f.t_ms) for f in frames]
    return processor, outputs


def verdicts(check: SetupCheck, stream: LandmarkStream) -> list[tuple[bool, str]]:
    return [(v.passed, v.message) for v in map(check.update, stream)]


# -- set-up check ----------------------------------------------------------------------------


def test_setup_passes_only_after_a_stable_second(library: ExerciseLibrary) -> None:
    squat = library.get("squat")
    stream = synthetic_stream(squat, n_reps=1, lead_in_s=2.0)
    check = SetupCheck(squat, stable_ms=1000.0)
    results = [check.update(f) for f in stream]
    first_pass = next(f.t_ms for f, v in zip(stream, results, strict=True) if v.passed)
    assert results[0].ok and not results[0].passed
    assert first_pass == pytest.approx(stream.t_ms[0] + 1000.0, abs=40.0)


def test_setup_refuses_hidden_feet_with_plain_guidance(library: ExerciseLibrary) -> None:
    squat = library.get("squat")
    stream = hide_joints(synthetic_stream(squat, n_reps=2), FEET)
    results = verdicts(SetupCheck(squat), stream)
    assert not any(passed for passed, _ in results)
    assert {message for _, message in results} == {"Step back so your feet are visible"}


def test_setup_asks_for_the_prescribed_side_when_the_view_is_wrong(
    library: ExerciseLibrary,
) -> None:
    knee = library.get("knee_extension")  # side or oblique views only
    front = synthetic_stream(knee, n_reps=1, view="front", side=Side.LEFT)
    check = SetupCheck(knee, Side.LEFT)
    problems = {check.judge(f) for f in front}
    assert problems == {(Problem.WRONG_VIEW, "Turn your left side to the camera")}
    side_view = synthetic_stream(knee, n_reps=1, view="side", side=Side.LEFT)
    assert any(v.passed for v in map(check.update, side_view))


def test_setup_refuses_an_empty_room_and_a_crowd(library: ExerciseLibrary) -> None:
    curl = library.get("biceps_curl")
    stream = synthetic_stream(curl, n_reps=1)
    check = SetupCheck(curl)
    empty = PoseFrame.empty(0.0, (640, 480))
    assert check.judge(empty)[0] is Problem.NO_PERSON
    assert check.judge(stream[0], people=2) == (
        Problem.SEVERAL_PEOPLE,
        "Only one person should be in the picture",
    )
    assert check.judge(stream[0], people=1) == (None, "")


def test_setup_guidance_is_spoken_once_then_every_eight_seconds(library: ExerciseLibrary) -> None:
    squat = library.get("squat")
    stream = hide_joints(synthetic_stream(squat, n_reps=3, rep_s=4.0), FEET)  # about 16 s
    flow = SessionFlow(expand_sets("squat", 1), library.get)
    for frame in stream:
        flow.step(frame)
    said = flow.take_speech()
    duration_s = (stream.t_ms[-1] - stream.t_ms[0]) / 1000.0
    assert said == ["Step back so your feet are visible"] * (1 + int(duration_s // 8))


# -- cues ------------------------------------------------------------------------------------


def test_cue_board_shows_one_cue_without_flicker() -> None:
    board = CueBoard(min_show_ms=2500.0, show_ms=4000.0)
    shown: list[str] = []
    for n in range(60):  # two rules broken in turn every 100 ms for 6 s
        t = n * 100.0
        text = "Keep your back straight" if n % 2 else "Keep your elbows in"
        board.raise_cue(text, Severity.WARNING, t)
        cue = board.current(t)
        assert cue is not None
        if not shown or shown[-1] != cue.text:
            shown.append(cue.text)
    assert len(shown) <= 3  # a change at most every 2.5 s, never every frame
    assert board.raise_cue("Stop: sharp pain?", Severity.CRITICAL, 6000.0)  # severe goes first
    assert board.current(20_000.0) is None  # gone once not raised for a while


# -- flow ------------------------------------------------------------------------------------


def test_flow_runs_sets_with_rest_and_saves_in_order(library: ExerciseLibrary) -> None:
    curl = library.get("biceps_curl")
    stream = synthetic_stream(curl, n_reps=9, rep_s=3.0, rest_s=1.0)
    plans = expand_sets("biceps_curl", 2, target_reps=3, rest_s=2.0)
    flow = SessionFlow(plans, library.get)
    notes, phases = [], set()
    for frame in stream:
        notes += flow.step(frame)
        phases.add(flow.phase)
    kinds = [type(n) for n in notes if isinstance(n, SetBegun | SetEnded)]
    assert kinds == [SetBegun, SetEnded, SetBegun, SetEnded]
    assert [r.total_reps for _, r in flow.results] == [3, 3]
    assert flow.phase is Phase.DONE and Phase.REST in phases
    said = flow.take_speech()
    assert "Start Biceps curl, set 1 of 2" in said and "3" in said


def test_flow_hold_uses_the_prescribed_seconds(library: ExerciseLibrary) -> None:
    wall_sit = library.get("wall_sit")
    stream = synthetic_stream(wall_sit, n_reps=1, hold_s=8.0)
    flow = SessionFlow([SetPlan("wall_sit", 1, 1, hold_s=5.0)], library.get)
    for frame in stream:
        flow.step(frame)
    assert flow.phase is Phase.DONE
    ((_, result),) = flow.results
    assert result.holds and result.holds[0].held_s >= 5.0
    assert flow.status().hold_target_s == 5.0


@pytest.mark.video
def test_flow_counts_real_clips_like_the_hand_count(clip_streams, clips) -> None:  # type: ignore[no-untyped-def]
    library = load_library()
    for name in ("biceps_curl__standing_front.mp4", "squat__bodyweight_oblique.mp4"):
        clip = next(c for c in clips if c.name == name)
        flow = SessionFlow(expand_sets(clip.exercise, 1), library.get)
        for frame in clip_streams[name]:
            flow.step(frame)
        flow.stop()
        assert flow.results[0][1].total_reps in clip.accepted_counts(), name


# -- processor -------------------------------------------------------------------------------


def test_mirrored_camera_keeps_left_and_right(library: ExerciseLibrary) -> None:
    curl = library.get("biceps_curl")
    stream = list(synthetic_stream(curl, n_reps=4, side=Side.LEFT))  # only the left arm moves
    as_seen_mirrored = [f.mirrored() for f in stream]  # what BlazePose reports from a mirror

    def left_reps(frames: list[PoseFrame], source_mirrored: bool) -> int:
        flow = SessionFlow(expand_sets("biceps_curl", 1, side=Side.LEFT), library.get)
        run_processor(frames, flow, source_mirrored=source_mirrored)
        flow.stop()
        return flow.results[0][1].total_reps

    assert left_reps(stream, source_mirrored=False) == 4
    assert left_reps(as_seen_mirrored, source_mirrored=True) == 4
    assert left_reps(as_seen_mirrored, source_mirrored=False) == 0  # the bug it prevents


def test_processor_draws_the_overlay_and_queues_updates(library: ExerciseLibrary) -> None:
    curl = library.get("biceps_curl")
    stream = list(synthetic_stream(curl, n_reps=2))
    flow = SessionFlow(expand_sets("biceps_curl", 1, target_reps=10), library.get)
    processor, outputs = run_processor(stream, flow, every_nth=2)
    assert all(o.shape == BLACK.shape for o in outputs)
    assert outputs[-1].any()  # skeleton and counts drawn on a black picture
    updates: list[LiveUpdate] = []
    while not processor.updates.empty():
        updates.append(processor.updates.get_nowait())
    assert updates[-1].status.reps == 2
    assert any("2" in u.speak for u in updates)
    assert len(processor.frame_ms) == len(stream)


def test_processor_update_queue_never_blocks_the_camera(library: ExerciseLibrary) -> None:
    stream = list(synthetic_stream(library.get("biceps_curl"), n_reps=1))
    flow = SessionFlow(expand_sets("biceps_curl", 1), library.get)
    small: queue.Queue[LiveUpdate] = queue.Queue(maxsize=2)
    processor, _ = run_processor(stream, flow, updates=small)  # nobody reads the queue
    assert small.qsize() == 2
    assert small.get_nowait().status.t_ms < small.get_nowait().status.t_ms == stream[-1].t_ms
    assert processor.status().phase is Phase.COUNTING


def test_stream_clock_keeps_capture_times_and_real_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall = iter([100.0, 100.5, 101.0, 104.0, 104.1])  # monotonic seconds at each call
    monkeypatch.setattr("rehab.live.processor.time.monotonic", lambda: next(wall))
    clock = StreamClock()
    times = [clock(pts) for pts in (50.0, 50.033, 50.1, 0.0, 0.033)]  # then a new stream
    assert times[:3] == pytest.approx([50_000.0, 50_033.0, 50_100.0])  # late delivery ignored
    assert times[3] == pytest.approx(50_100.0 + 3000.0)  # the 3 s pause, not a jump back
    assert times[4] == pytest.approx(times[3] + 33.0)


# -- saving ----------------------------------------------------------------------------------


def _live(
    db: Database, clinic: Clinic, plans: list[SetPlan], frames: Sequence[PoseFrame]
) -> LiveSession:
    replay = ReplayEstimator(frames)  # stands in for BlazePose
    return LiveSession.create(
        db,
        clinic.pat_users[0],
        clinic.patients[0],
        plans,
        load_library().get,
        pain_before=3,
        estimator_factory=lambda _options: replay,
    )


def _feed(live: LiveSession, frames: Sequence[PoseFrame]) -> None:
    for frame in frames:
        live.processor.process(BLACK, frame.t_ms)


def _reps(db: Database) -> int:
    with sql_session(db) as s:
        return s.scalar(select(func.count(Rep.id)).where(Rep.complete.is_(True))) or 0


def test_reps_are_saved_as_they_count_and_the_session_is_summarised(
    db: Database, clinic: Clinic
) -> None:
    library = load_library()
    stream = list(synthetic_stream(library.get("knee_extension"), n_reps=6, side=Side.LEFT))
    live = _live(db, clinic, expand_sets("knee_extension", 1, 10, side=Side.LEFT), stream)
    _feed(live, stream[: len(stream) // 2])
    assert live.writer.flush()
    halfway = _reps(db)
    assert 1 <= halfway < 6  # saved before the set ends
    assert _statuses(db) == [(SessionStatus.IN_PROGRESS.value, halfway)]
    _feed(live, stream[len(stream) // 2 :])
    live.finish()
    live.check_in(pain_after=4, effort_rpe=6)  # the answers come after the session closed
    assert _reps(db) == 6 and not live.writer.error
    with db.transaction() as tx:
        (check,) = pain_and_effort(tx, clinic.pat_users[0], clinic.patients[0])
    assert (check.pain_before, check.pain_after, check.effort_rpe) == (3, 4, 6)
    assert _statuses(db) == [(SessionStatus.COMPLETED.value, 6)]
    summary = session_summary(
        db, clinic.pat_users[0], clinic.patients[0], live.writer.session_id or 0, str
    )
    assert [(s.exercise_id, s.sets, s.reps) for s in summary] == [("knee_extension", 1, 6)]


def _statuses(db: Database) -> list[tuple[str, int]]:
    """(status, complete reps) of every session, oldest first."""
    with sql_session(db) as s:
        rows = s.scalars(select(ExerciseSession).order_by(ExerciseSession.id)).all()
        return [(r.status, sum(rep.complete for x in r.sets for rep in x.reps)) for r in rows]


def test_a_session_left_behind_is_closed_as_interrupted_with_its_reps(
    db: Database, clinic: Clinic
) -> None:
    library = load_library()
    stream = list(synthetic_stream(library.get("knee_extension"), n_reps=3, side=Side.LEFT))
    live = _live(db, clinic, expand_sets("knee_extension", 1, 10, side=Side.LEFT), stream)
    _feed(live, stream)
    assert live.writer.flush()
    actor, patient = clinic.pat_users[0], clinic.patients[0]
    still_live = close_cut_off_sessions(db, actor, patient)
    assert [s.status for s in still_live] == ["in_progress"]  # written to just now
    later = dt.datetime.now(dt.UTC) + CUT_OFF_AFTER + dt.timedelta(seconds=1)
    sessions = close_cut_off_sessions(db, actor, patient, now=later)  # the tab went quiet
    assert [(s.status, s.complete_reps) for s in sessions] == [("interrupted", 3)]
    assert "the 3 repetitions you did were saved" in cut_off_notice(sessions)
    live.finish(SessionStatus.COMPLETED)
    assert _statuses(db) == [("interrupted", 3)]  # closed is final


def test_reps_after_a_cut_off_go_to_a_new_session(db: Database, clinic: Clinic) -> None:
    """The patient comes back to a tab whose session was closed: nothing is lost and the
    closed session is not reopened."""
    library = load_library()
    stream = list(synthetic_stream(library.get("knee_extension"), n_reps=6, side=Side.LEFT))
    live = _live(db, clinic, expand_sets("knee_extension", 1, 10, side=Side.LEFT), stream)
    _feed(live, stream[: len(stream) // 2])
    assert live.writer.flush()
    first = _reps(db)
    later = dt.datetime.now(dt.UTC) + CUT_OFF_AFTER + dt.timedelta(seconds=1)
    close_cut_off_sessions(db, clinic.pat_users[0], clinic.patients[0], now=later)
    _feed(live, stream[len(stream) // 2 :])
    live.finish()
    assert not live.writer.error
    assert _statuses(db) == [("interrupted", first), ("completed", 6 - first)]


# -- WebRTC settings -------------------------------------------------------------------------


def test_ice_servers_come_from_the_environment() -> None:
    assert rtc_configuration({}) == {"iceServers": []}
    turn = rtc_configuration(
        {
            "REHAB_TURN_URL": "turn:turn.example.org:3478",
            "REHAB_TURN_USERNAME": "u",
            "REHAB_TURN_CREDENTIAL": "s",
        }
    )
    assert turn == {
        "iceServers": [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "s"}]
    }
    raw = '[{"urls": ["stun:stun.example.org"]}]'
    assert rtc_configuration({"REHAB_ICE_SERVERS": raw})["iceServers"][0]["urls"]
    with pytest.raises(InputError, match="REHAB_ICE_SERVERS"):
        rtc_configuration({"REHAB_ICE_SERVERS": "{not json"})
