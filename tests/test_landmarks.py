"""Joint enum, PoseFrame and the .npz landmark stream file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rehab.core.landmarks import (
    N_JOINTS,
    POSE_CONNECTIONS,
    Joint,
    LandmarkStream,
    PoseFrame,
    StreamInfo,
)
from rehab.errors import StreamFileError
from rehab.streamfile import FORMAT_VERSION, load_stream, save_stream


def test_joint_enum_matches_mediapipe_names_and_ids() -> None:
    from mediapipe.tasks.python.vision.pose_landmarker import PoseLandmark

    official = {lm.name: lm.value for lm in PoseLandmark}
    assert {j.name: j.value for j in Joint} == official
    assert len(Joint) == N_JOINTS == 33


def test_connections_match_mediapipe() -> None:
    from mediapipe.tasks.python.vision.pose_landmarker import PoseLandmarksConnections

    ours = {frozenset((int(a), int(b))) for a, b in POSE_CONNECTIONS}
    official = PoseLandmarksConnections.POSE_LANDMARKS
    assert ours == {frozenset((c.start, c.end)) for c in official}
    assert len(ours) == len(official)


def test_joint_parse_accepts_any_case_and_suggests_close_names() -> None:
    assert Joint.parse("left_elbow") is Joint.LEFT_ELBOW
    with pytest.raises(ValueError, match="did you mean LEFT_ELBOW"):
        Joint.parse("LEFT_ELBO")


def test_mirrored_joint_swaps_sides() -> None:
    assert Joint.LEFT_KNEE.mirrored is Joint.RIGHT_KNEE
    assert Joint.MOUTH_LEFT.mirrored is Joint.MOUTH_RIGHT
    assert Joint.NOSE.mirrored is Joint.NOSE
    assert all(j.mirrored.mirrored is j for j in Joint)


def _random_frame(rng: np.random.Generator, t_ms: float) -> PoseFrame:
    return PoseFrame(
        t_ms=t_ms,
        image_xyz=rng.random((N_JOINTS, 3)),
        world_xyz=rng.normal(size=(N_JOINTS, 3)),
        visibility=rng.random(N_JOINTS),
        image_size=(640, 480),
    )


def test_pose_frame_mirroring_keeps_anatomy() -> None:
    frame = _random_frame(np.random.default_rng(1), 0.0)
    flipped = frame.mirrored()
    left, right = int(Joint.LEFT_WRIST), int(Joint.RIGHT_WRIST)
    assert flipped.image_xyz[left, 0] == pytest.approx(1.0 - frame.image_xyz[right, 0])
    assert flipped.visibility[left] == frame.visibility[right]
    np.testing.assert_allclose(flipped.mirrored().image_xyz, frame.image_xyz)


def test_pose_frame_rejects_wrong_shapes_and_empty_means_nan() -> None:
    with pytest.raises(ValueError, match="image_xyz"):
        PoseFrame(0.0, np.zeros((17, 3)), np.zeros((33, 3)), np.zeros(33), (10, 10))
    empty = PoseFrame.empty(5.0, (640, 480))
    assert not empty.detected
    assert np.isnan(empty.image_xyz).all()
    assert not empty.is_visible(Joint.NOSE)
    assert np.isnan(empty.pixel_xy()).all()


def _stream(n: int = 12) -> LandmarkStream:
    rng = np.random.default_rng(7)
    frames = [_random_frame(rng, i * 33.3) for i in range(n)]
    frames[3] = PoseFrame.empty(frames[3].t_ms, (640, 480))  # a frame with nobody
    info = StreamInfo(fps=30.0, source="clip.mp4", model="blazepose-full", image_size=(640, 480))
    return LandmarkStream.from_frames(frames, info)


def test_stream_round_trip(tmp_path: Path) -> None:
    stream = _stream()
    written = save_stream(stream, tmp_path / "s")
    assert written.suffix == ".npz"
    loaded = load_stream(written)
    assert loaded.info == stream.info
    for name in ("t_ms", "image_xyz", "world_xyz", "visibility"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(stream, name))
    assert loaded.detection_rate == pytest.approx(11 / 12)
    assert not loaded[3].detected and loaded[4].detected


def test_stream_file_errors(tmp_path: Path) -> None:
    with pytest.raises(StreamFileError, match="no such landmark file"):
        load_stream(tmp_path / "missing.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(StreamFileError, match="not a readable landmark file"):
        load_stream(garbage)
    with pytest.raises(StreamFileError, match="does not exist"):
        save_stream(_stream(), tmp_path / "nowhere" / "s.npz")


def test_stream_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = save_stream(_stream(), tmp_path / "s.npz")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta["version"] = FORMAT_VERSION + 1
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(StreamFileError, match=f"version {FORMAT_VERSION + 1} is not supported"):
        load_stream(path)


def test_stream_file_with_a_missing_array_names_it(tmp_path: Path) -> None:
    path = save_stream(_stream(), tmp_path / "s.npz")
    broken = tmp_path / "broken.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if item.filename != "world_xyz.npy":
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(StreamFileError, match="'world_xyz' is missing"):
        load_stream(broken)
