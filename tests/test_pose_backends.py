"""Pose models are a table: options checked once, backends by name, each with its keypoint
mapping onto our 33 joints (a 17-keypoint model leaves the joints it lacks as NaN)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rehab.core.analysis import analyze_stream
from rehab.core.landmarks import N_JOINTS, NOT_COUNTED, Joint, LandmarkStream, PoseFrame
from rehab.core.synthetic import synthetic_stream
from rehab.errors import InputError
from rehab.exercise_library import load_library
from rehab.pose.backends import BACKENDS, backend_named, create_estimator
from rehab.pose.estimator import follow_index
from rehab.pose.keypoints import BLAZEPOSE_33, KeypointMapping
from rehab.pose.options import PoseOptions, RunningMode

# COCO's 17 keypoints in their model order: what a 17-keypoint backend would declare.
COCO_17 = KeypointMapping(
    "coco-17",
    (
        Joint.NOSE, Joint.LEFT_EYE, Joint.RIGHT_EYE, Joint.LEFT_EAR, Joint.RIGHT_EAR,
        Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER, Joint.LEFT_ELBOW, Joint.RIGHT_ELBOW,
        Joint.LEFT_WRIST, Joint.RIGHT_WRIST, Joint.LEFT_HIP, Joint.RIGHT_HIP,
        Joint.LEFT_KNEE, Joint.RIGHT_KNEE, Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE,
    ),
)  # fmt: skip


def test_options_are_checked_when_made() -> None:
    assert PoseOptions().running_mode is RunningMode.VIDEO and PoseOptions().num_poses == 1
    assert PoseOptions(running_mode="image").running_mode is RunningMode.IMAGE  # type: ignore[arg-type]
    live = PoseOptions.live()
    assert live.model == "full" and live.people_check_interval_ms == 1000.0
    for bad in ({"num_poses": 0}, {"min_detection_confidence": 1.5},
                {"people_check_interval_ms": -1.0}, {"running_mode": "stream"}):  # fmt: skip
        with pytest.raises(ValueError):
            PoseOptions(**bad)  # type: ignore[arg-type]


def test_backends_are_chosen_by_name_from_the_table() -> None:
    assert backend_named("mediapipe-tasks").keypoints is BLAZEPOSE_33
    assert set(BACKENDS) == {"mediapipe-tasks"}
    with pytest.raises(InputError, match=r"unknown pose backend 'openpose' \(known: mediapipe"):
        create_estimator(PoseOptions(backend="openpose"))


def test_blazepose_mapping_is_the_identity() -> None:
    values = np.arange(N_JOINTS * 4, dtype=float).reshape(N_JOINTS, 4)
    np.testing.assert_array_equal(BLAZEPOSE_33.scatter(values, 4), values)
    assert BLAZEPOSE_33.missing == ()


def test_a_17_keypoint_model_fills_our_33_joints_with_nan_where_it_sees_nothing() -> None:
    xyzv = np.column_stack([np.linspace(0.1, 0.9, 17)] * 3 + [np.full(17, 0.9)])
    frame = COCO_17.scatter(xyzv, 4)
    assert frame.shape == (N_JOINTS, 4)
    np.testing.assert_array_equal(frame[Joint.LEFT_KNEE], xyzv[13])
    assert len(COCO_17.missing) == 16 and Joint.LEFT_HEEL in COCO_17.missing
    assert np.isnan(frame[list(COCO_17.missing)]).all()
    with pytest.raises(ValueError, match="17 keypoints expected, got 33"):
        COCO_17.scatter(np.zeros((33, 4)), 4)
    with pytest.raises(ValueError, match="mapped twice"):
        KeypointMapping("bad", (Joint.NOSE, Joint.NOSE))


def test_the_engine_counts_a_17_keypoint_stream_and_treats_missing_joints_as_hidden() -> None:
    """A squat counted on hip-knee-ankle works from 17 keypoints; the heels are never seen."""
    squat = load_library().get("squat")
    full = synthetic_stream(squat, n_reps=3)
    kept = [j for j in COCO_17.joints if j is not None]
    frames = []
    for pose in full:
        image = COCO_17.scatter(pose.image_xyz[kept], 3)
        world = COCO_17.scatter(pose.world_xyz[kept], 3)
        vis = COCO_17.scatter(pose.visibility[kept], 1)[:, 0]
        frames.append(PoseFrame(pose.t_ms, image, world, vis, pose.image_size))
    stream = LandmarkStream.from_frames(frames, full.info)
    assert np.isnan(stream.visibility[:, Joint.LEFT_HEEL]).all()
    assert analyze_stream(stream, squat).total_reps == analyze_stream(full, squat).total_reps == 3


def test_follow_keeps_the_pose_nearest_the_last_one_not_the_largest() -> None:
    patient = np.column_stack([np.linspace(0.1, 0.3, N_JOINTS), np.linspace(0.2, 0.8, N_JOINTS)])
    visitor = np.column_stack([np.linspace(0.4, 0.95, N_JOINTS), np.linspace(0.0, 1.0, N_JOINTS)])
    assert follow_index([visitor, patient + 0.01], patient) == 1  # the larger one is not taken
    assert follow_index([visitor, patient], None) == 0  # nothing to follow: the first
    hidden = patient.copy()
    hidden[:20] = np.nan  # half the joints unseen: the rest still say who is who
    assert follow_index([visitor, patient], hidden) == 1


def test_frames_and_streams_carry_the_people_count() -> None:
    frame = PoseFrame.empty(0.0, (640, 480))
    assert frame.people_count == NOT_COUNTED
    squat = load_library().get("squat")
    base = synthetic_stream(squat, n_reps=1)
    counts = np.arange(len(base)) % 3
    stream = LandmarkStream(
        base.info, base.t_ms, base.image_xyz, base.world_xyz, base.visibility,
        people_count=counts,
    )  # fmt: skip
    assert [f.people_count for f in stream][:4] == [0, 1, 2, 0]
    again = LandmarkStream.from_frames(list(stream), stream.info)
    np.testing.assert_array_equal(again.people_count, counts)
    assert stream[5].mirrored().people_count == 2
    assert (base.people_count == NOT_COUNTED).all()  # not given: not counted
    assert not math.isnan(float(base.people_count.sum()))


def test_people_count_survives_a_stream_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rehab.streamfile import load_stream, save_stream

    squat = load_library().get("squat")
    base = synthetic_stream(squat, n_reps=1)
    counts = np.ones(len(base), dtype=np.int64)
    counts[10:20] = 2
    stream = LandmarkStream(
        base.info, base.t_ms, base.image_xyz, base.world_xyz, base.visibility,
        people_count=counts,
    )  # fmt: skip
    np.testing.assert_array_equal(
        load_stream(save_stream(stream, tmp_path / "s")).people_count, counts
    )
