"""Rules written once and used everywhere: reps done against a prescription (per side), the
asymmetry figure, a check-in's pain, the set figures' JSON, percentages and side colours."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.check_in import CheckInValues, worse_pain
from rehab.core.exercise import CameraView, Exercise, SideMode
from rehab.core.landmarks import Joint, LandmarkStream
from rehab.core.results import (
    HoldResult,
    SetFigures,
    SetResult,
    Side,
    SideFigures,
    asymmetry_pct,
    done_by_limb,
    done_each_side,
)
from rehab.core.synthetic import default_angles, rep_trajectory, stream_from_angles
from rehab.display import SIDE_HEX, joint_side, pct, percent_of, side_rgb
from rehab.exercise_library import load_library
from rehab.live.flow import SessionFlow, SetBegun, SetEnded, expand_sets
from rehab.pose.drawing import JOINT_RGB

LIBRARY = load_library()
ALTERNATING = sorted(e.id for e in LIBRARY.exercises.values() if e.sides is SideMode.ALTERNATING)
PER_SIDE = 3  # the prescription: 3 reps (or one hold) with each leg


def test_every_alternating_exercise_is_covered() -> None:
    assert {"knee_extension", "hip_abduction", "single_leg_stance"} <= set(ALTERNATING)


# -- the rule itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "sides", "expected"),
    [
        ({Side.BOTH: 10}, (), 10),  # both limbs together: their count
        ({Side.LEFT: 10, Side.RIGHT: 8}, (), 8),  # one side at a time: the weaker side
        ({Side.LEFT: 10}, (), 10),  # a one-sided set
        ({Side.LEFT: 10}, (Side.LEFT, Side.RIGHT), 0),  # the right leg is still to do
        ({Side.BOTH: 2, Side.LEFT: 1, Side.RIGHT: 1}, (), 3),  # together counts for each
        ({Side.LEFT: 3, Side.RIGHT: 3}, (Side.BOTH,), 3),  # BOTH adds no limb
        ({}, (), 0),
    ],
)
def test_done_each_side(done: dict[Side, int], sides: tuple[Side, ...], expected: int) -> None:
    assert done_each_side(done, sides) == expected


@pytest.mark.parametrize(
    ("done", "prescribed", "expected"),
    [
        ({Side.LEFT: 8, Side.RIGHT: 2}, Side.LEFT, 8),  # the good leg shown: not counted
        ({Side.LEFT: 8, Side.RIGHT: 2}, Side.RIGHT, 2),
        ({Side.RIGHT: 5}, Side.LEFT, 0),  # only the other leg moved: nothing done
        ({Side.BOTH: 4, Side.LEFT: 1}, Side.LEFT, 5),  # together counts for the limb
        ({Side.LEFT: 8, Side.RIGHT: 2}, Side.BOTH, 2),  # both sides prescribed: the weaker
    ],
)
def test_done_for_a_set_prescribed_for_one_side(
    done: dict[Side, int], prescribed: Side, expected: int
) -> None:
    assert done_each_side(done, prescribed=prescribed) == expected


def test_done_by_limb_counts_what_both_limbs_did_for_each() -> None:
    assert done_by_limb({Side.BOTH: 2, Side.LEFT: 1}, (Side.RIGHT,)) == {
        Side.LEFT: 3,
        Side.RIGHT: 2,
    }
    assert done_by_limb({Side.BOTH: 5}) == {}


def _view(exercise: Exercise) -> CameraView:
    """A view that sees both legs (side-on, the far leg is hidden)."""
    return next((v for v in exercise.camera_views if v is not CameraView.SIDE), CameraView.FRONT)


def _one_leg_then_the_other(exercise: Exercise, per_side: int) -> LandmarkStream:
    """`per_side` reps (or holds) with the left leg, then as many with the right, as the
    exercises' instructions ask ("do all your repetitions on one leg, then change legs")."""
    rest, peak = default_angles(exercise)
    hold_s = exercise.hold.target_s + 1.0 if exercise.hold is not None else 0.0
    angles, sides = [], []
    for side in (Side.LEFT, Side.RIGHT):
        _, angle = rep_trajectory(per_side, rest, peak, rep_s=2.0, hold_s=hold_s, lead_in_s=0.7)
        angles.append(angle)
        sides += [side] * len(angle)
    angle = np.concatenate(angles)
    t_ms = np.arange(len(angle)) * 1000.0 / 30.0
    return stream_from_angles(exercise, t_ms, angle, sides, view=_view(exercise), seed=5)


@pytest.mark.parametrize("exercise_id", ALTERNATING)
def test_an_alternating_set_is_done_per_side(exercise_id: str) -> None:
    """Offline: reps done (or seconds held) are each side's, not the sum of both sides."""
    exercise = LIBRARY.get(exercise_id)
    n = 1 if exercise.is_hold else PER_SIDE
    result = analyze_stream(_one_leg_then_the_other(exercise, n), exercise)
    if exercise.is_hold:
        held = {h.side: h.held_s for h in result.holds}
        assert set(held) == {Side.LEFT, Side.RIGHT}
        assert result.held_done_s == pytest.approx(min(held.values()))
    else:
        assert result.reps_per_side() == {Side.LEFT: n, Side.RIGHT: n}
        assert result.total_reps == 2 * n  # the movements counted (a hand count)
        assert result.reps_done == n  # against a prescription of n per side


@pytest.mark.parametrize("exercise_id", ALTERNATING)
def test_a_live_set_of_an_alternating_exercise_waits_for_the_second_leg(exercise_id: str) -> None:
    """Live: a set of 3 per side does not end after the first leg's 3 (nor after 3 in all)."""
    exercise = LIBRARY.get(exercise_id)
    hold_s = exercise.hold.target_s if exercise.hold is not None else None
    target = None if exercise.is_hold else PER_SIDE
    flow = SessionFlow(expand_sets(exercise_id, 1, target, hold_s), LIBRARY.get, 300.0)
    stream = _one_leg_then_the_other(exercise, 1 if exercise.is_hold else PER_SIDE)
    ended_at = None
    for frame in stream:
        notes = flow.step(frame)
        if any(isinstance(n, SetEnded) for n in notes):
            ended_at = frame.t_ms
            break
        if any(isinstance(n, SetBegun) for n in notes):
            assert flow.status().reps == 0
    assert ended_at is not None, "the set never reached its target"
    ((_, result),) = flow.results
    assert ended_at > stream.t_ms[len(stream) // 2]  # the right leg's half: it was done too
    if exercise.is_hold:
        assert {h.side for h in result.holds if h.complete} == {Side.LEFT, Side.RIGHT}
    else:
        assert result.reps_done == PER_SIDE and result.total_reps == 2 * PER_SIDE
        assert dict(flow.status().reps_by_side) == {Side.LEFT: PER_SIDE, Side.RIGHT: PER_SIDE}


def test_set_result_reps_done_and_hold_time() -> None:
    left = HoldResult("single_leg_stance", Side.LEFT, 0.0, 1.0, 20.0, 10.0, True, 0.9)
    right = replace(left, side=Side.RIGHT, held_s=15.0)
    result = SetResult("single_leg_stance", holds=(left, right, replace(left, held_s=4.0)))
    assert result.held_done_s == 15.0 and result.reps_done == 0


# -- the other shared rules ------------------------------------------------------------------


def test_asymmetry_is_the_difference_as_a_share_of_the_larger_side() -> None:
    assert asymmetry_pct(45.0, 30.0) == pytest.approx(100 * 15 / 45)
    assert asymmetry_pct(30.0, 45.0) == asymmetry_pct(45.0, 30.0)
    assert math.isnan(asymmetry_pct(math.nan, 30.0)) and math.isnan(asymmetry_pct(0.0, 0.0))


def test_a_check_ins_pain_is_the_worse_of_before_and_after() -> None:
    assert worse_pain(3, 5) == 5 and worse_pain(6, 2) == 6
    assert worse_pain(None, 0) == 0 and worse_pain(None, None) is None
    assert CheckInValues(pain_before=4, pain_after=2).pain == 4
    assert CheckInValues(pain_after=11).problem() == "pain after must be 0-10 (got 11)"
    assert "effort (RPE)" in (CheckInValues(effort_rpe=-1).problem() or "")
    assert CheckInValues(0, 10, 10).problem() is None


def test_set_figures_json_keeps_the_engines_flat_keys() -> None:
    figures = SetFigures(
        left=SideFigures(reps=3, mean_rom_deg=45.0),
        right=SideFigures(reps=2, mean_rom_deg=30.0),
        one_sided_reps=1,
    )
    stored = figures.to_json()
    assert stored == {
        "left_reps": 3.0, "left_mean_rom_deg": 45.0, "right_reps": 2.0,
        "right_mean_rom_deg": 30.0, "rom_asymmetry_pct": pytest.approx(100 * 15 / 45),
        "one_sided_reps": 1.0,
    }  # fmt: skip
    assert SetFigures.from_json(stored) == figures
    holds = SetFigures(left=SideFigures(held_s=12.5))
    assert holds.to_json() == {"left_held_s": 12.5}
    assert SetFigures.from_json(holds.to_json()) == holds
    assert SetFigures.from_json({}) == SetFigures()


def test_percentages_are_written_one_way() -> None:
    assert pct(66.6) == "67%" and pct(None) == "—" and pct(math.nan) == "—"
    assert percent_of(2, 3) == pytest.approx(66.67, abs=0.01) and percent_of(2, 0) is None


def test_the_persons_left_is_orange_on_charts_skeletons_and_reports() -> None:
    assert SIDE_HEX[Side.LEFT] == "#ff8a00" and side_rgb(Side.LEFT) == (255, 138, 0)
    assert JOINT_RGB[Joint.LEFT_KNEE] == side_rgb(Side.LEFT)
    assert JOINT_RGB[Joint.RIGHT_KNEE] == side_rgb(Side.RIGHT)
    assert joint_side(Joint.NOSE) is None and joint_side(Joint.LEFT_EYE) is Side.LEFT
