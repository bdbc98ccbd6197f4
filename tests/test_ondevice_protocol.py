"""The landmark batch decoder on its own: one bad value anywhere is found, clamping counted."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.live.ondevice.protocol import ProtocolViolation, decode_batch, encode_batch


def _frames(value: float | None = None, at: tuple[int, int, int] = (1, 20, 5)) -> bytes:
    blocks: list[np.ndarray | None] = [np.full((33, 7), 0.5, np.float32) for _ in range(3)]
    blocks[0] = None  # nobody in the first frame
    if value is not None:
        frame, joint, k = at
        block = blocks[frame]
        assert block is not None
        block[joint, k] = value
    return encode_batch(7, [1.0, 2.0, 3.0], blocks)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_one_value_that_is_not_finite_closes_naming_where(bad: float) -> None:
    with pytest.raises(ProtocolViolation, match="frame 0 joint 20: a value is NaN or infinite"):
        decode_batch(_frames(bad), 32)  # frame 0 of the frames with a person


def test_values_in_range_pass_untouched_and_out_of_range_ones_are_clamped_and_counted() -> None:
    batch = decode_batch(_frames(), 32)
    assert batch.clamped == 0 and batch.seq == 7 and list(batch.people) == [0, 1, 1]
    assert batch.values.shape == (2, 33, 7) and (batch.values == 0.5).all()
    clamped = decode_batch(_frames(7.0, (2, 3, 3)), 32)  # a visibility of 7
    assert clamped.clamped == 1 and clamped.values[1, 3, 3] == 1.0


def test_pose_frames_carry_each_frames_values() -> None:
    batch = decode_batch(_frames(0.25, (2, 11, 4)), 32)  # world x of joint 11, third frame
    empty, first, second = batch.pose_frames(np.array([10.0, 20.0, 30.0]), (640, 480))
    assert not empty.detected and empty.t_ms == 10.0
    assert first.world_xyz[11, 0] == 0.5 and second.world_xyz[11, 0] == 0.25
    assert second.image_xyz.shape == (33, 3) and second.visibility.shape == (33,)
    assert second.t_ms == 30.0 and second.image_size == (640, 480)
