"""A pose model's keypoints mapped onto our 33 joints (BlazePose's landmark set).

Each backend names its keypoints in model order as Joints; a model with fewer keypoints
(e.g. COCO's 17) leaves the joints it lacks as NaN, which means exactly "not seen", so the
counting engine treats them as hidden. A keypoint we have no joint for maps to None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rehab.core.landmarks import N_JOINTS, Joint

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KeypointMapping:
    """Model keypoint i is our joint `joints[i]` (None: a keypoint we do not use)."""

    name: str
    joints: tuple[Joint | None, ...]

    def __post_init__(self) -> None:
        used = [j for j in self.joints if j is not None]
        if len(used) != len(set(used)):
            raise ValueError(f"keypoint mapping {self.name}: a joint is mapped twice")

    @property
    def keypoint_count(self) -> int:
        return len(self.joints)

    @property
    def missing(self) -> tuple[Joint, ...]:
        """Our joints this model does not see (always NaN in its frames)."""
        have = set(self.joints)
        return tuple(j for j in Joint if j not in have)

    def scatter(self, values: Sequence[Sequence[float]] | FloatArray, width: int) -> FloatArray:
        """(K, width) model-ordered values -> (33, width) in our joint order, NaN elsewhere."""
        source = np.asarray(values, dtype=np.float64).reshape(-1, width)
        if len(source) != self.keypoint_count:
            raise ValueError(
                f"keypoint mapping {self.name}: {self.keypoint_count} keypoints expected, "
                f"got {len(source)}"
            )
        out = np.full((N_JOINTS, width), np.nan, dtype=np.float64)
        for index, joint in enumerate(self.joints):
            if joint is not None:
                out[int(joint)] = source[index]
        return out


BLAZEPOSE_33 = KeypointMapping("blazepose-33", tuple(Joint))
