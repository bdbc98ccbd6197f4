"""Angles from landmarks: known values, invariances (hypothesis), NaN, live == offline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rehab.core.exercise import AngleSpace, OffsetSpec
from rehab.core.geometry import (
    Reference,
    frontal_angle_deg,
    frontal_angle_xyz,
    joint_angle_deg,
    joint_angle_xyz,
    segment_angle_deg,
    segment_angle_xyz,
    shoulder_yaw_deg,
)
from rehab.core.landmarks import Joint
from rehab.core.measures import FrameLists, FrameMeasurer, side_factors, visible_series
from rehab.core.results import Side
from rehab.core.synthetic import hide_joints, rep_trajectory, synthetic_stream
from rehab.exercise_library import load_library

coords = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
point3 = arrays(np.float64, 3, elements=coords)


def _rotation(angles: tuple[float, float, float]) -> np.ndarray:
    a, b, c = (math.radians(x) for x in angles)
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _well_formed(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    return bool(np.linalg.norm(a - b) > 1e-2 and np.linalg.norm(c - b) > 1e-2)


def test_joint_angle_known_values() -> None:
    b = np.zeros(3)
    assert joint_angle_deg(np.array([1.0, 0, 0]), b, np.array([0, 1.0, 0])) == pytest.approx(90)
    assert joint_angle_deg(np.array([1.0, 0, 0]), b, np.array([-1.0, 0, 0])) == pytest.approx(180)
    assert joint_angle_deg(np.array([1.0, 0, 0]), b, np.array([1.0, 1.0, 0])) == pytest.approx(45)
    assert joint_angle_deg(np.array([2.0, 0]), np.zeros(2), np.array([3.0, 0])) == pytest.approx(0)


def test_segment_angle_known_values() -> None:
    start = np.zeros(2)
    down, level, up = np.array([0, 1.0]), np.array([1.0, 0]), np.array([0, -1.0])
    assert segment_angle_deg(start, down) == pytest.approx(0)
    assert segment_angle_deg(start, level) == pytest.approx(90)
    assert segment_angle_deg(start, up) == pytest.approx(180)
    assert segment_angle_deg(start, level, Reference.HORIZONTAL) == pytest.approx(0)
    assert segment_angle_deg(start, -level, Reference.HORIZONTAL) == pytest.approx(0)
    assert segment_angle_deg(start, up, Reference.HORIZONTAL) == pytest.approx(90)
    assert segment_angle_deg(start, np.array([1.0, 1.0])) == pytest.approx(45)


def test_frontal_angle_ignores_forward_swing_and_the_axis_tilt() -> None:
    """Hip abduction: the thigh out to the side, in the plane through the hips. A forward
    swing and a pelvis hiked by the lift (both seen on real kicks) change nothing."""
    hip, other = np.array([0.1, 0.0, 0.0]), np.array([-0.1, 0.0, 0.0])
    out_30 = hip + 0.4 * np.array([math.sin(math.radians(30)), math.cos(math.radians(30)), 0])
    assert frontal_angle_deg(hip, out_30, other, hip) == pytest.approx(30)
    forward = out_30 + np.array([0.0, 0.0, -0.3])  # the same thigh also swung forward
    assert frontal_angle_deg(hip, forward, other, hip) == pytest.approx(30)
    hiked = other + np.array([0.0, 0.08, 0.0])  # the pelvis tilted by the movement
    assert frontal_angle_deg(hip, out_30, hiked, hip) == pytest.approx(30)
    across = hip + np.array([-0.1, 0.4, 0.0])  # crossing the midline reads negative
    assert frontal_angle_deg(hip, across, other, hip) == pytest.approx(-14.04, abs=0.01)
    # the right leg: the same thigh mirrored reads the same
    mirrored = out_30 * np.array([-1.0, 1.0, 1.0])
    assert frontal_angle_deg(other, mirrored, hip, other) == pytest.approx(30)
    scalar = frontal_angle_xyz(tuple(hip), tuple(forward), tuple(hiked), tuple(hip))  # type: ignore[arg-type]
    assert scalar == pytest.approx(30)
    assert math.isnan(frontal_angle_xyz((0, 0, 0), (0, 0, -1.0), (-1.0, 0, 0), (0, 0, 0)))


def test_nan_and_degenerate_points_give_nan_not_errors() -> None:
    nan = np.full(3, np.nan)
    b = np.zeros(3)
    assert math.isnan(float(joint_angle_deg(nan, b, np.ones(3))))
    assert math.isnan(float(joint_angle_deg(b, b, np.ones(3))))  # coincident points
    assert math.isnan(float(segment_angle_deg(b, b)))
    assert math.isnan(joint_angle_xyz(math.nan, 0, 0, 0, 0, 0, 1, 1, 1))
    assert math.isnan(segment_angle_xyz(0, 0, 0, 0, 0, 0, Reference.VERTICAL))


@settings(max_examples=200, deadline=None)
@given(
    point3,
    point3,
    point3,
    st.floats(0.01, 100),
    point3,
    st.tuples(st.floats(-180, 180), st.floats(-180, 180), st.floats(-180, 180)),
)
def test_joint_angle_invariant_to_scale_rotation_translation(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    scale: float,
    shift: np.ndarray,
    rot: tuple[float, float, float],
) -> None:
    if not _well_formed(a, b, c):
        return
    r = _rotation(rot)
    before = float(joint_angle_deg(a, b, c))
    after = float(joint_angle_deg(*(r @ (p * scale) + shift for p in (a, b, c))))
    assert after == pytest.approx(before, abs=1e-6)
    assert 0.0 <= before <= 180.0


@settings(max_examples=150, deadline=None)
@given(point3, point3, st.floats(0.01, 100), point3, st.floats(-180, 180))
def test_segment_angle_invariant_to_scale_translation_and_turning_about_vertical(
    s: np.ndarray, e: np.ndarray, scale: float, shift: np.ndarray, yaw: float
) -> None:
    if np.linalg.norm(e - s) < 1e-2:
        return
    r = _rotation((0.0, yaw, 0.0))  # about the vertical (y) axis: gravity is unchanged
    for ref in Reference:
        before = float(segment_angle_deg(s, e, ref))
        after = float(segment_angle_deg(r @ (s * scale) + shift, r @ (e * scale) + shift, ref))
        assert after == pytest.approx(before, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(point3, point3, point3)
def test_scalar_and_vectorised_angles_agree(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    vec = float(joint_angle_deg(a, b, c))
    scalar = joint_angle_xyz(*a, *b, *c)
    assert (math.isnan(vec) and math.isnan(scalar)) or scalar == pytest.approx(vec, abs=1e-6)
    for ref in Reference:
        v = float(segment_angle_deg(a, b, ref))
        sc = segment_angle_xyz(*a, *b, ref)
        assert (math.isnan(v) and math.isnan(sc)) or sc == pytest.approx(v, abs=1e-6)


def test_shoulder_yaw_front_and_side() -> None:
    left, right = np.array([0.2, 0, 0]), np.array([-0.2, 0, 0])
    assert shoulder_yaw_deg(left, right) == pytest.approx(0)
    assert shoulder_yaw_deg(np.array([0, 0, 0.2]), np.array([0, 0, -0.2])) == pytest.approx(90)


LIBRARY = load_library()


@pytest.mark.parametrize("exercise_id", ["shoulder_abduction", "squat", "heel_raise", "plank"])
@pytest.mark.parametrize("view", ["front", "oblique", "side"])
def test_live_measurer_equals_offline_series(exercise_id: str, view: str) -> None:
    """The live path (plain floats) and the offline path (numpy) give the same numbers."""
    exercise = LIBRARY.get(exercise_id)
    stream = synthetic_stream(exercise, n_reps=2, view=view, noise_px=2.0, noise_m=0.01, seed=4)
    stream = hide_joints(stream, [Joint.LEFT_HIP], 1500, 2500)  # exercise the fallback too
    width, height = stream.info.image_size
    px = stream.image_xyz[:, :, :2] * np.array([width, height])
    specs = [exercise.angle, *(r.measure for r in exercise.form_rules)]
    for spec in specs:
        for side in (Side.LEFT, Side.RIGHT):
            series, _ = visible_series(px, stream.world_xyz, stream.visibility, spec, side, 0.5)
            live = FrameMeasurer(spec, side, 0.5)
            values = np.array([live(FrameLists.of(frame))[0] for frame in stream])
            np.testing.assert_allclose(values, series, atol=1e-6, equal_nan=True)


def test_fallback_fills_frames_where_the_angle_is_hidden() -> None:
    exercise = LIBRARY.get("shoulder_abduction")
    stream = synthetic_stream(exercise, n_reps=2, view="front", seed=1)
    hidden = hide_joints(stream, [Joint.LEFT_HIP, Joint.RIGHT_HIP])
    px = stream.image_xyz[:, :, :2] * np.array(stream.info.image_size)
    args = (px, hidden.world_xyz, hidden.visibility)
    with_fallback, _ = visible_series(*args, exercise.angle, Side.LEFT, 0.5)
    plain = exercise.angle.model_copy(update={"fallback": None})
    without, _ = visible_series(*args, plain, Side.LEFT, 0.5)
    assert np.isnan(without).all()
    assert np.isfinite(with_fallback).all()
    # the arm against the vertical is close to the arm against the trunk
    truth, _ = visible_series(
        px, stream.world_xyz, stream.visibility, exercise.angle, Side.LEFT, 0.5
    )
    assert np.nanmax(np.abs(with_fallback - truth)) < 15


def test_auto_space_recovers_a_limb_pointing_at_the_camera() -> None:
    """Elbow flexion with the forearm swinging toward a front camera: the image angle is
    foreshortened out of all recognition; auto gets the depth back from the world landmarks
    (within the perspective error of a wide-angle webcam at 3 m)."""
    exercise = LIBRARY.get("biceps_curl")
    stream = synthetic_stream(exercise, n_reps=1, rom_deg=100, rest_deg=10, view="front")
    _, truth = rep_trajectory(1, 10, 110)
    px = stream.image_xyz[:, :, :2] * np.array(stream.info.image_size)
    args = (px, stream.world_xyz, stream.visibility)
    auto, _ = visible_series(*args, exercise.angle, Side.LEFT, 0)
    image_only = exercise.angle.model_copy(update={"space": AngleSpace.IMAGE})
    image, _ = visible_series(*args, image_only, Side.LEFT, 0)
    assert np.max(np.abs(auto - truth)) < 8
    assert np.max(np.abs(image - truth)) > 60


def test_auto_space_follows_the_image_in_the_image_plane() -> None:
    """Shoulder abduction seen from the front moves in the image plane: auto ~= image."""
    exercise = LIBRARY.get("shoulder_abduction")
    stream = synthetic_stream(exercise, n_reps=1, rom_deg=100, rest_deg=10, view="front")
    px = stream.image_xyz[:, :, :2] * np.array(stream.info.image_size)
    args = (px, stream.world_xyz, stream.visibility)
    auto, _ = visible_series(*args, exercise.angle, Side.LEFT, 0)
    image_only = exercise.angle.model_copy(update={"space": AngleSpace.IMAGE})
    image, _ = visible_series(*args, image_only, Side.LEFT, 0)
    np.testing.assert_allclose(auto, image, atol=1.0)


def test_far_side_is_trusted_less_when_side_on() -> None:
    exercise = LIBRARY.get("squat")
    front = side_factors(synthetic_stream(exercise, 1, view="front").world_xyz)
    side = side_factors(synthetic_stream(exercise, 1, view="side").world_xyz)
    assert front[Side.LEFT].min() == pytest.approx(1) and front[Side.RIGHT].min() > 0.95
    assert side[Side.LEFT].min() == pytest.approx(1)  # the left side faces the camera
    assert side[Side.RIGHT].max() < 0.2


def test_offset_measure_up_axis() -> None:
    exercise = LIBRARY.get("single_leg_stance")
    stream = synthetic_stream(exercise, n_reps=1, hold_s=3, view="front", side=Side.LEFT)
    spec = OffsetSpec(points=["OTHER_ANKLE", "ANKLE"], axis="up", per=["HIP", "KNEE"])
    px = stream.image_xyz[:, :, :2] * np.array(stream.info.image_size)
    value, _ = visible_series(px, stream.world_xyz, stream.visibility, spec, Side.LEFT, 0.5)
    assert value[0] == pytest.approx(0, abs=0.05)  # both feet on the floor
    assert np.nanmax(value) > 0.3  # the lifted foot is well above the standing one
