"""Real BlazePose on a real photo: the keypoints land where the body is."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from rehab.core.landmarks import Joint
from rehab.errors import InputError
from rehab.pose.backends import create_estimator
from rehab.pose.drawing import draw_pose, visible_mask
from rehab.pose.models import DEFAULT_VIDEO_MODEL, MODEL_NAMES, built_model
from rehab.pose.options import PoseOptions
from rehab.pose.pipeline import annotate_image
from rehab.pose.sources import read_image
from tests.pose_helpers import astronaut_png, nobody_png

# Positions read by eye off the 512x512 astronaut photo (pixels, x right, y down), and how
# far off a keypoint may be. Her right side is on the image's left. Her left elbow is hidden
# behind the helmet; her right elbow is inside a padded sleeve with no crease to read it by,
# so its height is uncertain (full puts it at y 410, heavy at 380: an upper arm 1.3 times
# the forearm, as in most adults).
TOLERANCE_PX = 30
EXPECTED_PX = {
    Joint.RIGHT_SHOULDER: (115, 240, TOLERANCE_PX),
    Joint.LEFT_SHOULDER: (310, 255, TOLERANCE_PX),
    Joint.RIGHT_ELBOW: (65, 415, 40),
    Joint.LEFT_ELBOW: (330, 385, TOLERANCE_PX),
}


@pytest.fixture(scope="module")
def astronaut_pose(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    rgb = read_image(astronaut_png(tmp_path_factory.mktemp("img")))
    with create_estimator(PoseOptions.image()) as estimator:
        return rgb, estimator.estimate(rgb, 0.0)


def test_astronaut_shoulders_and_elbows_are_where_they_are(astronaut_pose) -> None:  # type: ignore[no-untyped-def]
    _rgb, pose = astronaut_pose
    assert pose.detected and pose.image_size == (512, 512)
    pixels = pose.pixel_xy()
    for joint, (x, y, tolerance_px) in EXPECTED_PX.items():
        distance = float(np.hypot(*(pixels[joint] - (x, y))))
        assert distance < tolerance_px, f"{joint.name} off by {distance:.0f} px"
    assert pose.is_visible(Joint.LEFT_SHOULDER) and pose.is_visible(Joint.RIGHT_SHOULDER)
    # The hidden elbow is less visible than the one in plain view.
    assert pose.visibility[Joint.LEFT_ELBOW] < pose.visibility[Joint.RIGHT_ELBOW]


def test_world_landmarks_are_hip_centred_metres(astronaut_pose) -> None:  # type: ignore[no-untyped-def]
    _rgb, pose = astronaut_pose
    shoulders = pose.world_xyz[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]]
    width_m = float(np.linalg.norm(shoulders[0] - shoulders[1]))
    assert 0.2 < width_m < 0.6  # an adult's shoulder width
    hips_mid = pose.world_xyz[[Joint.LEFT_HIP, Joint.RIGHT_HIP]].mean(axis=0)
    assert np.linalg.norm(hips_mid) < 0.1


def test_drawing_skips_joints_below_visibility(astronaut_pose) -> None:  # type: ignore[no-untyped-def]
    rgb, pose = astronaut_pose
    mask = visible_mask(pose, 0.5)
    assert mask[Joint.NOSE] and mask[Joint.LEFT_SHOULDER]
    assert not mask[Joint.LEFT_ANKLE]  # the photo shows the upper body only
    drawn = draw_pose(rgb, pose, 0.5)
    changed = np.any(drawn != rgb, axis=2)
    nose_x, nose_y = pose.pixel_xy()[Joint.NOSE].round().astype(int)
    assert changed[nose_y - 2 : nose_y + 3, nose_x - 2 : nose_x + 3].any()
    assert not changed[505:, :].any()  # nothing drawn at the bottom edge (hidden legs)
    np.testing.assert_array_equal(draw_pose(rgb, pose, 1.01), rgb)


def test_image_with_nobody_is_written_unannotated(tmp_path: Path) -> None:
    source = nobody_png(tmp_path)
    result = annotate_image(source, tmp_path / "out.png")
    assert not result.pose.detected
    np.testing.assert_array_equal(read_image(result.output), read_image(source))


def test_task_bundle_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such model file"):
        create_estimator(PoseOptions.image(tmp_path / "pose_landmarker_heavy.task"))
    # The two raw models from the npm package zipped as a bundle, without the metadata the
    # Tasks API needs: it refuses them, and the message says so instead of crashing.
    bundle = tmp_path / "raw.task"
    with zipfile.ZipFile(built_model("full").path) as built, zipfile.ZipFile(bundle, "w") as raw:
        raw.writestr("pose_detector.tflite", b"not a model")
        raw.writestr("pose_landmarks_detector.tflite", built.read("pose_landmarks_detector.tflite"))
    with pytest.raises(InputError, match="not a usable pose landmarker bundle"):
        create_estimator(PoseOptions.image(bundle))


@pytest.mark.parametrize("model", [m for m in MODEL_NAMES if m != DEFAULT_VIDEO_MODEL])
def test_every_built_model_finds_the_astronaut(model: str, astronaut_pose) -> None:  # type: ignore[no-untyped-def]
    """The other models put her shoulders where the default model does."""
    rgb, default = astronaut_pose
    with create_estimator(PoseOptions.image(model)) as estimator:
        pose = estimator.estimate(rgb, 0.0)
        assert estimator.model_name.startswith(f"blazepose-{model} (mediapipe ")
    shoulders = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]
    gap_px = np.linalg.norm(pose.pixel_xy()[shoulders] - default.pixel_xy()[shoulders], axis=1)
    assert gap_px.max() < TOLERANCE_PX
