"""The camera set-up check: before counting, the person must be in frame, alone, with the
joints the exercise needs visible, filmed from a view that suits the exercise.

Pure core: PoseFrames in, a verdict and one plain-language instruction out (English, marked
for translation: the flow says it in the patient's language). The check passes only after
`stable_ms` of consecutive good frames, so a lucky frame does not start a set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rehab.core.exercise import CameraView, Exercise, SideMode, resolve_joint
from rehab.core.landmarks import Joint, PoseFrame
from rehab.core.results import Side
from rehab.core.tracker import frame_view
from rehab.i18n import N_

EDGE_MARGIN = 0.02  # landmarks this close to (or beyond) the image border count as out of frame


class Problem(StrEnum):
    NO_PERSON = "no_person"
    SEVERAL_PEOPLE = "several_people"
    JOINTS_HIDDEN = "joints_hidden"
    WRONG_VIEW = "wrong_view"


@dataclass(frozen=True)
class SetupVerdict:
    ok: bool  # this frame is good
    passed: bool  # good for long enough: counting may start
    problem: Problem | None
    message: str  # what to tell the patient


TURN_SIDE = {
    Side.LEFT: N_("Turn your left side to the camera"),
    Side.RIGHT: N_("Turn your right side to the camera"),
}
_REGION_ADVICE: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"ANKLE", "HEEL", "FOOT_INDEX"}), N_("Step back so your feet are visible")),
    (frozenset({"KNEE"}), N_("Step back so your knees are visible")),
    (frozenset({"HIP"}), N_("Step back or tilt the camera down so your hips are visible")),
    (
        frozenset({"WRIST", "PINKY", "INDEX", "THUMB"}),
        N_("Move back so both hands are in the picture"),
    ),
    (frozenset({"ELBOW"}), N_("Move back so your elbows are in the picture")),
    (frozenset({"SHOULDER"}), N_("Move so your shoulders are in the picture")),
)


def _part(joint: Joint) -> str:
    return joint.name.removeprefix("LEFT_").removeprefix("RIGHT_")


def advice_for(missing: Iterable[Joint]) -> str:
    """One instruction for the hidden joints (the lowest body part first)."""
    parts = {_part(j) for j in missing}
    for names, advice in _REGION_ADVICE:
        if parts & names:
            return advice
    return N_("Move so your whole body is in the picture")


def view_advice(exercise: Exercise, side: Side | None) -> str:
    """What to do when the camera view does not suit the exercise."""
    views = set(exercise.camera_views)
    if CameraView.SIDE in views and CameraView.FRONT not in views:
        if side in (Side.LEFT, Side.RIGHT):
            return TURN_SIDE[side]
        return N_("Turn sideways to the camera")
    return N_("Face the camera")


class SetupCheck:
    """Feed frames with `update()`; `passed` once the set-up has been good for `stable_ms`."""

    def __init__(
        self,
        exercise: Exercise,
        side: Side | None = None,
        stable_ms: float = 1000.0,
        edge_margin: float = EDGE_MARGIN,
    ) -> None:
        if stable_ms < 0:
            raise ValueError(f"stable_ms must be >= 0 (got {stable_ms})")
        self.exercise = exercise
        self.side = side if side in (Side.LEFT, Side.RIGHT) else None
        self.stable_ms = stable_ms
        self.edge_margin = edge_margin
        self.reset()

    def reset(self) -> None:
        self._good_since_ms = math.nan

    def sides_needed(self) -> tuple[tuple[Side, ...], bool]:
        """The sides to look at, and whether all of them (True) or any one (False) must show."""
        if self.side is not None:
            return (self.side,), True
        sides = self.exercise.sides_to_track()
        return sides, self.exercise.sides is SideMode.ALTERNATING

    def missing_joints(self, frame: PoseFrame) -> tuple[Joint, ...]:
        """Needed joints not visible (for BOTH-sides exercises: of the better-seen side)."""
        sides, need_all = self.sides_needed()
        per_side = [self._hidden(frame, s) for s in sides]
        if need_all:
            return tuple(dict.fromkeys(j for hidden in per_side for j in hidden))
        return min(per_side, key=len)

    def joint_sets(self, side: Side) -> list[tuple[Joint, ...]]:
        """Joint sets any one of which is enough: the primary angle's with the listed
        landmarks, then each fallback angle's (the landmarks that only the primary angle
        needs are then not required)."""
        exercise = self.exercise
        primary = exercise.landmarks_needed(side)
        angle_only = set(exercise.angle.joints(side))
        listed = [resolve_joint(n, side) for n in exercise.required_landmarks]
        others = [j for j in listed if j not in angle_only]
        sets = [primary]
        spec = exercise.angle.fallback
        while spec is not None:
            sets.append(tuple(dict.fromkeys([*spec.joints(side), *others])))
            spec = spec.fallback
        return sets

    def _hidden(self, frame: PoseFrame, side: Side) -> tuple[Joint, ...]:
        vis = self.exercise.min_visibility
        candidates = [
            tuple(j for j in joints if not frame.is_visible(j, vis) or not self._inside(frame, j))
            for joints in self.joint_sets(side)
        ]
        return min(candidates, key=len) if any(candidates) else ()

    def _inside(self, frame: PoseFrame, joint: Joint) -> bool:
        x, y = frame.image_xyz[int(joint), :2]
        lo, hi = self.edge_margin, 1.0 - self.edge_margin
        return bool(lo <= x <= hi and lo <= y <= hi)

    def judge(self, frame: PoseFrame, people: int | None = None) -> tuple[Problem | None, str]:
        """The first problem of this frame, with its instruction (None, "" when all is good)."""
        if not frame.detected:
            return Problem.NO_PERSON, N_("I can't see you yet: stand or sit in front of the camera")
        if people is not None and people > 1:
            return Problem.SEVERAL_PEOPLE, N_("Only one person should be in the picture")
        missing = self.missing_joints(frame)
        if missing:
            return Problem.JOINTS_HIDDEN, advice_for(missing)
        view = frame_view(frame)
        if view is not None and view not in self.exercise.camera_views:
            return Problem.WRONG_VIEW, view_advice(self.exercise, self.side)
        return None, ""

    def update(self, frame: PoseFrame, people: int | None = None) -> SetupVerdict:
        problem, message = self.judge(frame, people)
        if problem is not None:
            self._good_since_ms = math.nan
            return SetupVerdict(False, False, problem, message)
        if math.isnan(self._good_since_ms):
            self._good_since_ms = frame.t_ms
        passed = frame.t_ms - self._good_since_ms >= self.stable_ms
        return SetupVerdict(
            True, passed, None, N_("Good, hold still") if not passed else N_("Ready")
        )
