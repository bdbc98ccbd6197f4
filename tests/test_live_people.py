"""A second person in the picture: noticed at the set-up check (2 tracked poses) and while
counting (a light people check now and then); counting follows the patient, never the visitor.

The real tests put two shared clips side by side: the patient on the left throughout, a
visitor on the right who comes and goes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from rehab.core.landmarks import Joint, PoseFrame
from rehab.core.synthetic import synthetic_stream
from rehab.exercise_library import load_library
from rehab.live.estimators import SETUP_POSES, setup_options
from rehab.live.flow import SOMEONE_ELSE, Phase, SessionFlow, SetBegun, expand_sets
from rehab.live.processor import LiveProcessor
from rehab.live.setup_check import Problem
from rehab.pose.backends import create_estimator
from rehab.pose.estimator import PoseEstimator
from rehab.pose.options import PoseOptions
from rehab.pose.sources import VideoFile
from tests.conftest import Clip

HEIGHT = 360
PATIENT = "squat__bodyweight_oblique.mp4"
VISITOR = "biceps_curl__standing_front.mp4"
GREY = 128


def _frames(path, n: int) -> list[tuple[np.ndarray, float]]:  # type: ignore[no-untyped-def]
    out = []
    with VideoFile(path) as video:
        for frame in video:
            h, w = frame.rgb.shape[:2]
            small = cv2.resize(
                frame.rgb, (round(w * HEIGHT / h), HEIGHT), interpolation=cv2.INTER_AREA
            )
            out.append((small, frame.t_ms))
            if len(out) == n:
                return out
    return out


def side_by_side(clips: list[Clip], n: int, visitor_at: range) -> list[tuple[np.ndarray, float]]:
    """n frames: the patient on the left; the visitor on the right during `visitor_at`."""
    by_name = {c.name: c for c in clips}
    patient = _frames(by_name[PATIENT].path, n)
    visitor = _frames(by_name[VISITOR].path, n)
    frames = []
    for i, ((left, t_ms), (right, _)) in enumerate(zip(patient, visitor, strict=False)):
        shown = right if i in visitor_at else np.full_like(right, GREY)
        frames.append((np.ascontiguousarray(np.hstack([left, shown])), t_ms))
    return frames


def _run(estimator: PoseEstimator, frames: Sequence[tuple[np.ndarray, float]]) -> list[PoseFrame]:
    with estimator:
        return [estimator.estimate(rgb, t_ms) for rgb, t_ms in frames]


def _on_the_left(poses: list[PoseFrame], frames: Sequence[tuple[np.ndarray, float]]) -> bool:
    """Every tracked pose is the patient's: its hips are in the left part of the picture."""
    split = frames[0][0].shape[1] - frames[0][0].shape[1] // 2  # roughly where they meet
    hips_x = [
        p.pixel_xy()[[Joint.LEFT_HIP, Joint.RIGHT_HIP], 0].mean() for p in poses if p.detected
    ]
    return bool(hips_x) and max(hips_x) < split


@pytest.mark.video
@pytest.mark.slow
def test_counting_notices_a_visitor_at_the_next_check_and_keeps_the_patient(
    clips: list[Clip],
) -> None:
    frames = side_by_side(clips, 75, visitor_at=range(30, 75))
    options = PoseOptions.live().replace(people_check_interval_ms=500.0)
    poses = _run(create_estimator(options), frames)
    counts = [p.people_count for p in poses]
    assert set(counts[:30]) == {1}, counts[:30]
    first_two = counts.index(2)
    enter_ms, seen_ms = frames[30][1], frames[first_two][1]
    assert 0 <= seen_ms - enter_ms <= 500.0 + 40.0  # by the next check
    assert set(counts[first_two:]) == {2}  # carried forward between checks
    assert _on_the_left(poses, frames)


@pytest.mark.video
@pytest.mark.slow
def test_the_setup_check_sees_a_visitor_at_once_and_says_so(clips: list[Clip]) -> None:
    frames = side_by_side(clips, 40, visitor_at=range(20, 40))
    options = setup_options(PoseOptions.live())
    assert options.num_poses == SETUP_POSES and options.people_check_interval_ms is None
    poses = _run(create_estimator(options), frames)
    counts = [p.people_count for p in poses]
    assert set(counts[:20]) == {1} and set(counts[22:]) == {2}, counts
    assert _on_the_left(poses, frames)  # two tracked: the one that continues is kept
    flow = SessionFlow(expand_sets("squat", 1), load_library().get)
    for pose in poses[25:]:
        flow.step(pose)
    assert flow.phase is Phase.SETUP
    assert flow.status().message == "Only one person should be in the picture"


def test_the_flow_says_when_someone_else_comes_in_while_counting() -> None:
    library = load_library()
    curl = library.get("biceps_curl")
    stream = list(synthetic_stream(curl, n_reps=6, rep_s=2.0))
    visitor = range(len(stream) // 2, len(stream) // 2 + 30)
    frames = [
        dataclasses.replace(f, people_count=2 if i in visitor else 1) for i, f in enumerate(stream)
    ]
    flow = SessionFlow(expand_sets("biceps_curl", 1), library.get)
    messages = []
    for frame in frames:
        flow.step(frame)
        messages.append((flow.phase, flow.status().message))
    said = flow.take_speech()
    assert said.count(SOMEONE_ELSE) == 1  # said once when they come in, shown while they stay
    assert (Phase.COUNTING, SOMEONE_ELSE) in messages
    flow.stop()
    assert flow.results[0][1].total_reps == 6  # counting went on, for the patient


class _Recorded:
    """Stands in for BlazePose: hands back synthetic poses; remembers the options it got."""

    def __init__(self, options: PoseOptions, poses: dict[float, PoseFrame]) -> None:
        self.options = options
        self.model_name = "recorded"
        self._poses = poses

    def estimate(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        return self._poses[t_ms]

    def close(self) -> None:
        return None

    def __enter__(self) -> _Recorded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_live_sessions_check_set_up_with_two_poses_and_count_with_one() -> None:
    library = load_library()
    stream = list(synthetic_stream(library.get("biceps_curl"), n_reps=3))
    by_time = {f.t_ms: f for f in stream}
    made: list[_Recorded] = []

    def factory(options: PoseOptions) -> _Recorded:
        made.append(_Recorded(options, by_time))
        return made[-1]

    processor = LiveProcessor(SessionFlow(expand_sets("biceps_curl", 1), library.get),
                              estimator_factory=factory)  # type: ignore[arg-type]  # fmt: skip
    black = np.zeros((480, 640, 3), np.uint8)
    for frame in stream:
        processor.process(black, frame.t_ms)
    processor.close()
    assert processor.flow.results or processor.flow.phase is Phase.COUNTING
    wanted = [(m.options.num_poses, m.options.people_check_interval_ms) for m in made]
    assert wanted == [(2, None), (1, 1000.0)]  # made once each, whatever the phase changes


def test_judging_a_crowd_comes_before_anything_else() -> None:
    from rehab.live.setup_check import SetupCheck

    curl = load_library().get("biceps_curl")
    frame = dataclasses.replace(synthetic_stream(curl, n_reps=1)[0], people_count=3)
    assert SetupCheck(curl).judge(frame, frame.people_count)[0] is Problem.SEVERAL_PEOPLE


def test_each_live_set_records_the_pose_model_whose_landmarks_it_counts() -> None:
    """Angles of two models differ: a set begun live carries the model's name to the store."""
    submitted: list[object] = []

    class Writer:
        def submit(self, note: object) -> None:
            submitted.append(note)

    plan = expand_sets("squat", 1)[0]
    processor = LiveProcessor(SessionFlow([plan], load_library().get), writer=Writer())  # type: ignore[arg-type]
    assert processor.pose_model == "blazepose-full"  # the live default, built by make test
    processor._dispatch([SetBegun(plan)])
    processor._dispatch([SetBegun(plan, pose_model="custom:mine@0123456789ab")])
    processor.close()
    assert [n.pose_model for n in submitted] == ["blazepose-full", "custom:mine@0123456789ab"]  # type: ignore[attr-defined]
