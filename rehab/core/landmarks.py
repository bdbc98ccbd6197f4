"""BlazePose's 33 landmarks, one pose per frame, and a stream of them.

Pure core: numpy only, no I/O. NaN means exactly "not visible / no person".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

N_JOINTS = 33
NOT_COUNTED = -1  # PoseFrame.people_count when the estimator did not count people


class Joint(IntEnum):
    """The 33 BlazePose landmarks with MediaPipe's official names and ids."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32

    @classmethod
    def parse(cls, name: str) -> Joint:
        """The joint called `name` (case-insensitive); a ValueError suggests the closest name."""
        key = name.strip().upper()
        if key in cls.__members__:
            return cls[key]
        close = difflib.get_close_matches(key, list(cls.__members__), n=1)
        hint = f" — did you mean {close[0]}?" if close else ""
        raise ValueError(f"unknown joint '{name}'{hint}")

    @property
    def mirrored(self) -> Joint:
        """The same landmark on the other side of the body (NOSE maps to itself)."""
        name = self.name
        if name.startswith("LEFT_"):
            return Joint[name.replace("LEFT_", "RIGHT_", 1)]
        if name.startswith("RIGHT_"):
            return Joint[name.replace("RIGHT_", "LEFT_", 1)]
        if name.endswith("_LEFT"):
            return Joint[name[: -len("_LEFT")] + "_RIGHT"]
        if name.endswith("_RIGHT"):
            return Joint[name[: -len("_RIGHT")] + "_LEFT"]
        return self


# BlazePose's skeleton edges, as in mediapipe.solutions.pose.POSE_CONNECTIONS.
POSE_CONNECTIONS: tuple[tuple[Joint, Joint], ...] = tuple(
    (Joint(a), Joint(b))
    for a, b in (
        (0, 1), (0, 4), (1, 2), (2, 3), (3, 7), (4, 5), (5, 6), (6, 8), (9, 10),
        (11, 12), (11, 13), (11, 23), (12, 14), (12, 24), (13, 15), (14, 16),
        (15, 17), (15, 19), (15, 21), (16, 18), (16, 20), (16, 22), (17, 19),
        (18, 20), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29),
        (27, 31), (28, 30), (28, 32), (29, 31), (30, 32),
    )
)  # fmt: skip

# A mirrored image swaps the person's left and right: this permutation undoes it.
MIRROR_PERMUTATION: tuple[int, ...] = tuple(int(j.mirrored) for j in Joint)


def _nan_block(shape: tuple[int, ...]) -> FloatArray:
    return np.full(shape, np.nan, dtype=np.float64)


@dataclass(frozen=True)
class PoseFrame:
    """One frame's pose: what BlazePose saw at time `t_ms`.

    image_xyz: (33, 3) x, y normalised to the image width/height (0..1), z relative depth
    on roughly the scale of x (BlazePose's convention; smaller is nearer the camera).
    world_xyz: (33, 3) metres, origin between the hips, y pointing down.
    visibility: (33,) BlazePose's 0..1 likelihood that the landmark is visible.
    All NaN when no person was found.
    people_count: how many people the estimator last counted in the picture (counted every
    frame or now and then, carried forward between counts); NOT_COUNTED (-1) when it does
    not count. The pose is always the tracked person's, whoever else is in view.
    """

    t_ms: float
    image_xyz: FloatArray
    world_xyz: FloatArray
    visibility: FloatArray
    image_size: tuple[int, int]  # (width, height) in pixels
    people_count: int = NOT_COUNTED

    def __post_init__(self) -> None:
        for name, expected in (
            ("image_xyz", (N_JOINTS, 3)),
            ("world_xyz", (N_JOINTS, 3)),
            ("visibility", (N_JOINTS,)),
        ):
            shape = np.shape(getattr(self, name))
            if shape != expected:
                raise ValueError(f"PoseFrame.{name} must have shape {expected}, got {shape}")

    @classmethod
    def empty(
        cls, t_ms: float, image_size: tuple[int, int], people_count: int = NOT_COUNTED
    ) -> PoseFrame:
        """A frame in which no person was found (nobody tracked; others may be counted)."""
        return cls(
            t_ms=float(t_ms),
            image_xyz=_nan_block((N_JOINTS, 3)),
            world_xyz=_nan_block((N_JOINTS, 3)),
            visibility=_nan_block((N_JOINTS,)),
            image_size=image_size,
            people_count=people_count,
        )

    @property
    def detected(self) -> bool:
        """True when BlazePose found a person in this frame."""
        return bool(np.isfinite(self.visibility).any())

    def pixel_xy(self) -> FloatArray:
        """(33, 2) landmark positions in pixels (NaN where not found)."""
        width, height = self.image_size
        return self.image_xyz[:, :2] * np.array([width, height], dtype=np.float64)

    def is_visible(self, joint: Joint, min_visibility: float = 0.5) -> bool:
        """True when `joint` was found with at least `min_visibility`."""
        v = self.visibility[int(joint)]
        return bool(np.isfinite(v) and v >= min_visibility)

    def mirrored(self) -> PoseFrame:
        """This pose as seen in a horizontally flipped image, with left and right relabelled.

        Relabelling keeps anatomical sides right: the person's left arm stays LEFT_*.
        """
        perm = list(MIRROR_PERMUTATION)
        image = self.image_xyz[perm].copy()
        image[:, 0] = 1.0 - image[:, 0]
        world = self.world_xyz[perm].copy()
        world[:, 0] = -world[:, 0]
        return PoseFrame(
            self.t_ms, image, world, self.visibility[perm].copy(), self.image_size,
            self.people_count,
        )  # fmt: skip


@dataclass(frozen=True)
class StreamInfo:
    """Where a landmark stream came from."""

    fps: float
    source: str  # file name or "webcam:0"; never a patient name
    model: str  # e.g. "blazepose-full (mediapipe 0.10.33)": angles of two models differ
    image_size: tuple[int, int]  # (width, height)


@dataclass(frozen=True)
class LandmarkStream:
    """A recorded sequence of PoseFrames as arrays: (T,), (T,33,3), (T,33,3), (T,33), and
    people_count (T,) (all NOT_COUNTED when not given)."""

    info: StreamInfo
    t_ms: FloatArray
    image_xyz: FloatArray
    world_xyz: FloatArray
    visibility: FloatArray
    extra: dict[str, str] = field(default_factory=dict)
    people_count: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def __post_init__(self) -> None:
        n = len(self.t_ms)
        if np.shape(self.people_count) != (n,) and (self.people_count == NOT_COUNTED).all():
            # none counted (or not given): nothing to keep when the frames were re-cut
            object.__setattr__(self, "people_count", np.full(n, NOT_COUNTED, dtype=np.int64))
        if np.shape(self.people_count) != (n,):
            raise ValueError(
                f"LandmarkStream.people_count must have shape {(n,)}, "
                f"got {np.shape(self.people_count)} (cut streams with take())"
            )
        expected = {
            "t_ms": (n,),
            "image_xyz": (n, N_JOINTS, 3),
            "world_xyz": (n, N_JOINTS, 3),
            "visibility": (n, N_JOINTS),
        }
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(
                    f"LandmarkStream.{name} must have shape {shape}, "
                    f"got {np.shape(getattr(self, name))}"
                )

    @classmethod
    def from_frames(cls, frames: Iterable[PoseFrame], info: StreamInfo) -> LandmarkStream:
        items: Sequence[PoseFrame] = list(frames)
        n = len(items)
        return cls(
            info=info,
            t_ms=np.array([f.t_ms for f in items], dtype=np.float64).reshape(n),
            image_xyz=np.array([f.image_xyz for f in items], dtype=np.float64).reshape(
                n, N_JOINTS, 3
            ),
            world_xyz=np.array([f.world_xyz for f in items], dtype=np.float64).reshape(
                n, N_JOINTS, 3
            ),
            visibility=np.array([f.visibility for f in items], dtype=np.float64).reshape(
                n, N_JOINTS
            ),
            people_count=np.array([f.people_count for f in items], dtype=np.int64).reshape(n),
        )

    def __len__(self) -> int:
        return len(self.t_ms)

    def take(self, rows: npt.ArrayLike) -> LandmarkStream:
        """The frames at `rows` (indices or a boolean mask), every per-frame array alike."""
        index = np.asarray(rows)
        return LandmarkStream(
            info=self.info,
            t_ms=self.t_ms[index],
            image_xyz=self.image_xyz[index],
            world_xyz=self.world_xyz[index],
            visibility=self.visibility[index],
            extra=dict(self.extra),
            people_count=self.people_count[index],
        )

    def __getitem__(self, index: int) -> PoseFrame:
        return PoseFrame(
            t_ms=float(self.t_ms[index]),
            image_xyz=self.image_xyz[index],
            world_xyz=self.world_xyz[index],
            visibility=self.visibility[index],
            image_size=self.info.image_size,
            people_count=int(self.people_count[index]),
        )

    def __iter__(self) -> Iterator[PoseFrame]:
        return (self[i] for i in range(len(self)))

    @property
    def detected(self) -> npt.NDArray[np.bool_]:
        """(T,) True where a person was found."""
        return np.asarray(np.isfinite(self.visibility).any(axis=1), dtype=np.bool_)

    @property
    def detection_rate(self) -> float:
        """Share of frames with a person, 0..1 (0 for an empty stream)."""
        return float(self.detected.mean()) if len(self) else 0.0
