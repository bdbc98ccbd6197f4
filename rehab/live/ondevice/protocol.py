"""The on-device ingest protocol: what the browser sends and how it is checked.

Browser -> server, over one WebSocket (`/ondevice/ws`):

1. A text message `hello` (JSON) first: the token, the pose model, the declared frame rate
   and the picture's size. Nothing else is accepted before it.
2. Binary landmark batches (below), one or more frames each.
3. Text controls: `{"type": "end_set"}`, `"skip_rest"`, `"stop"`, and
   `{"type": "model", "model": "lite", "fps": 15}` when the page changes model.

Server -> browser (JSON): `ready`, then an `update` for a batch when it carries something
(status, words, token, dropped frames) or when `reply_every_s` has passed since the last one
(an answer to `seq` stands for the batches before it), an `update` with `seq` -1 for each
control, and `finished` (docs/live.md).

A batch, little-endian:

    "RF"  u8 version=1  u8 n (frames, 1..max)  u32 seq          8 bytes
    n x f64 t_ms                                                 the frames' capture times
    n x u8 people, then zero padding to a multiple of 4          0 = nobody in the picture
    for each frame with people > 0: 33 joints x 7 float32        x, y, z, visibility
                                                                 (image), x, y, z (world, m)

A frame with someone in it costs 8 + 1 + 924 bytes (about half the JSON of the same numbers,
and `numpy.frombuffer` reads it without parsing). Nothing in a batch can carry an image.

Checks: the exact length for the header's counts, at most `max_batch_frames` frames, every
value finite; values outside what BlazePose can give are clamped (visibility to 0..1, image
coordinates to -1..2, image depth to -10..10, world coordinates to +-10 m) and counted.
A batch that fails a check closes the connection with a `ProtocolViolation` (its code and a
one-line reason); it never raises anything else.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from rehab.core.landmarks import N_JOINTS, PoseFrame

PROTOCOL_VERSION = 1
MAGIC = b"RF"
HEADER = struct.Struct("<2sBBI")
VALUES_PER_JOINT = 7
FRAME_VALUES_BYTES = N_JOINTS * VALUES_PER_JOINT * 4
MODELS = ("lite", "full", "heavy")

# close codes (4000-4999 are the application's own): the browser shows the reason
CLOSE_NORMAL = 1000
CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TIMEOUT = 4408
CLOSE_REPLACED = 4409
CLOSE_TOO_MANY = 4429
CLOSE_SERVER_FULL = 4503
CLOSE_SERVER_ERROR = 1011

# clamping bounds for each of the 7 values of a joint
_LOW = np.array([-1.0, -1.0, -10.0, 0.0, -10.0, -10.0, -10.0], dtype=np.float32)
_HIGH = np.array([2.0, 2.0, 10.0, 1.0, 10.0, 10.0, 10.0], dtype=np.float32)


class ProtocolViolation(Exception):
    """A message that breaks the protocol: the connection closes with `code` and `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason[:120]  # a WebSocket close reason holds 123 bytes


def _bad(reason: str) -> ProtocolViolation:
    return ProtocolViolation(CLOSE_BAD_MESSAGE, reason)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hello(_Message):
    type: Literal["hello"]
    v: Literal[1] = 1
    token: str = Field(max_length=2048)
    model: Literal["lite", "full", "heavy"]
    fps: float = Field(gt=0, le=240)
    width: int = Field(ge=16, le=8192)
    height: int = Field(ge=16, le=8192)


class Control(_Message):
    type: Literal["end_set", "skip_rest", "stop"]


class ModelChange(_Message):
    type: Literal["model"]
    model: Literal["lite", "full", "heavy"]
    fps: float | None = Field(default=None, gt=0, le=240)


TextMessage = Annotated[Hello | Control | ModelChange, Field(discriminator="type")]
_TEXT = TypeAdapter(TextMessage)


def parse_text(text: str, max_bytes: int) -> Hello | Control | ModelChange:
    """A text message; ProtocolViolation naming what is wrong."""
    if len(text.encode("utf-8")) > max_bytes:
        raise _bad(f"text message over {max_bytes} bytes")
    try:
        return _TEXT.validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "message"
        raise _bad(f"bad message: {where}: {error['msg']}") from exc


@dataclass(frozen=True)
class Batch:
    """A decoded batch: the frames' client times, people counts and landmark values."""

    seq: int
    t_ms: npt.NDArray[np.float64]  # (n,)
    people: npt.NDArray[np.uint8]  # (n,)
    values: npt.NDArray[np.float32]  # (frames with people, 33, 7), clamped
    clamped: int  # how many values were outside the bounds

    def __len__(self) -> int:
        return len(self.t_ms)

    def only(self, keep: npt.NDArray[np.bool_]) -> Batch:
        """The batch with only the frames where `keep` is True (same seq and clamp count)."""
        rows = keep[self.people > 0]
        return Batch(self.seq, self.t_ms[keep], self.people[keep], self.values[rows], self.clamped)

    def pose_frames(
        self, times_ms: npt.NDArray[np.float64], image_size: tuple[int, int]
    ) -> list[PoseFrame]:
        """PoseFrames at the given (session) times."""
        frames: list[PoseFrame] = []
        values = self.values.astype(np.float64)  # one conversion for the batch
        image, world, visibility = values[:, :, 0:3], values[:, :, 4:7], values[:, :, 3]
        k = 0
        for t_ms, people in zip(times_ms.tolist(), self.people.tolist(), strict=True):
            if people == 0:
                frames.append(PoseFrame.empty(t_ms, image_size))
                continue
            frames.append(PoseFrame(t_ms, image[k], world[k], visibility[k], image_size))
            k += 1
        return frames


def _pad4(n: int) -> int:
    return (n + 3) // 4 * 4


def batch_size(n: int, with_people: int) -> int:
    """The exact length in bytes of a batch of `n` frames, `with_people` of them with a person."""
    return HEADER.size + 8 * n + _pad4(n) + with_people * FRAME_VALUES_BYTES


def decode_batch(data: bytes, max_frames: int) -> Batch:
    """Check and decode a binary batch; ProtocolViolation on anything malformed."""
    if len(data) < HEADER.size:
        raise _bad(f"binary message of {len(data)} bytes is shorter than the header")
    magic, version, n, seq = HEADER.unpack_from(data)
    if magic != MAGIC or version != PROTOCOL_VERSION:
        raise _bad("not a landmark batch (bad magic or version)")
    if not 1 <= n <= max_frames:
        raise _bad(f"batch of {n} frames (1 to {max_frames} allowed)")
    if len(data) < HEADER.size + 9 * n:
        raise _bad(f"batch of {n} frames is cut short ({len(data)} bytes)")
    t_ms = np.frombuffer(data, "<f8", n, HEADER.size).astype(np.float64)
    people = np.frombuffer(data, np.uint8, n, HEADER.size + 8 * n).copy()
    with_people = int(np.count_nonzero(people))
    expected = batch_size(n, with_people)
    if len(data) != expected:
        raise _bad(f"batch of {n} frames ({with_people} with a person) must be "
                   f"{expected} bytes, got {len(data)}")  # fmt: skip
    if not all(map(math.isfinite, t_ms.tolist())):
        raise _bad("a frame time is not a finite number")
    offset = HEADER.size + 8 * n + _pad4(n)
    raw = np.frombuffer(data, "<f4", with_people * N_JOINTS * VALUES_PER_JOINT, offset)
    values = raw.reshape(with_people, N_JOINTS, VALUES_PER_JOINT)
    clamped_values = np.clip(values, _LOW, _HIGH)
    changed = clamped_values != values  # also True where a value is NaN or infinite
    if not changed.any():  # the common case: one pass over the values, nothing to report
        return Batch(int(seq), t_ms, people, clamped_values, 0)
    if not np.isfinite(values).all():
        frame, joint, _ = np.argwhere(~np.isfinite(values))[0]
        raise _bad(f"frame {int(frame)} joint {int(joint)}: a value is NaN or infinite")
    return Batch(int(seq), t_ms, people, clamped_values, int(np.count_nonzero(changed)))


def encode_batch(
    seq: int,
    t_ms: list[float],
    frames: list[npt.NDArray[np.float32] | None],
) -> bytes:
    """A batch as the browser writes it (for tests and the load benchmark): `frames[i]` is a
    (33, 7) float32 array, or None when nobody is in the picture."""
    n = len(t_ms)
    people = bytes(0 if f is None else 1 for f in frames)
    parts = [HEADER.pack(MAGIC, PROTOCOL_VERSION, n, seq & 0xFFFFFFFF)]
    parts.append(np.asarray(t_ms, dtype="<f8").tobytes())
    parts.append(people + bytes(_pad4(n) - n))
    parts += [np.asarray(f, dtype="<f4").tobytes() for f in frames if f is not None]
    return b"".join(parts)


def frame_values(frame: PoseFrame) -> npt.NDArray[np.float32] | None:
    """A PoseFrame as the 33 x 7 values of a batch (None when nobody was found)."""
    if not frame.detected:
        return None
    block = np.concatenate([frame.image_xyz, frame.visibility[:, None], frame.world_xyz], axis=1)
    clean: npt.NDArray[np.float32] = np.nan_to_num(block, nan=0.0).astype(np.float32)
    return clean


def dumps(message: dict[str, object]) -> str:
    """A server message as compact JSON."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)
