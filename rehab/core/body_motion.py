"""Which body angles move in an exercise, for the synthetic figure (pure core).

An exercise's `demo:` block says it (rehab.core.motion); without one, the motion is read
from the counted angle: a knee angle bends the knee (with the hips, as a squat, when both
legs count), an angle at the shoulder lifts the arm sideways when the exercise is filmed from
the front and forwards otherwise, and so on. A counted angle that says nothing clear about
the body is an error that asks for a `demo:` block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rehab.core.exercise import AngleSpec, CameraView, Exercise, SideMode
from rehab.core.motion import BODY_ANGLES, Posture


@dataclass(frozen=True)
class Motion:
    """How an exercise moves the body: its posture, the joint angles held fixed (`base`), and
    the angles that follow the driver value u (deg) as `coef * u + offset`. Keys name an
    angle of the moving side ("knee_flex") or of the other side ("other_knee_flex")."""

    posture: str = Posture.STANDING.value
    moving: dict[str, tuple[float, float]] = field(default_factory=dict)
    base: dict[str, float] = field(default_factory=dict)
    rep_s: float | None = None


_SQUAT = {"knee_flex": (1.0, 0.0), "hip_flex": (0.9, 0.0), "trunk_flex": (0.25, 0.0)}


def motion_for(exercise: Exercise) -> Motion:
    """The body motion of `exercise`: its `demo:` block, else read from its counted angle
    (ValueError, naming the exercise, when the angle does not say)."""
    spec = exercise.demo
    if spec is not None:
        return Motion(spec.posture.value, spec.moves(), dict(spec.fixed), spec.rep_s)
    moving = _inferred(exercise)
    if moving is None:
        raise ValueError(
            f"exercise '{exercise.id}': cannot tell how the body moves from its counted angle "
            f"({exercise.angle.describe()}); add a `demo:` block to its file"
        )
    return Motion(moving=moving)


def _arm_lift(exercise: Exercise) -> str:
    return "shoulder_abd" if exercise.camera_views[0] is CameraView.FRONT else "shoulder_flex"


def _leg_lift(exercise: Exercise) -> str:
    return "hip_abd" if exercise.camera_views[0] is CameraView.FRONT else "hip_flex"


def bare_joint(name: str) -> tuple[str, bool]:
    """(side-less joint name, whether it means the other side)."""
    other = name.startswith("OTHER_")
    key = name.removeprefix("OTHER_")
    for prefix in ("LEFT_", "RIGHT_"):
        key = key.removeprefix(prefix)
    return key, other


def _inferred(exercise: Exercise) -> dict[str, tuple[float, float]] | None:
    spec: AngleSpec = exercise.angle
    names = [bare_joint(p) for p in spec.points]
    joints = tuple(n for n, _ in names)
    if spec.kind == "joint":
        angle = _joint_motion(exercise, joints)
        other = names[1][1]
    else:
        angle = _segment_motion(exercise, joints)
        other = all(o for _, o in names)
    if angle is None:
        return None
    if len(angle) == 1 and next(iter(angle)) in ("knee_flex",) and exercise.sides is SideMode.BOTH:
        angle = dict(_SQUAT)
    if not other:
        return angle
    return {(k if k in BODY_ANGLES else f"other_{k}"): v for k, v in angle.items()}


def _joint_motion(
    exercise: Exercise, joints: tuple[str, ...]
) -> dict[str, tuple[float, float]] | None:
    middle = joints[1]
    by_middle = {
        "ELBOW": "elbow_flex",
        "KNEE": "knee_flex",
        "ANKLE": "ankle_plantar",
        "SHOULDER": _arm_lift(exercise),
    }
    if middle in by_middle:
        return {by_middle[middle]: (1.0, 0.0)}
    if middle == "HIP":
        return {"hip_abd" if joints[0] == "HIP" else "hip_flex": (1.0, 0.0)}
    return None


_SEGMENTS = {
    ("HEEL", "FOOT_INDEX"): "ankle_plantar",
    ("ANKLE", "FOOT_INDEX"): "ankle_plantar",
    ("ELBOW", "WRIST"): "elbow_flex",
    ("KNEE", "ANKLE"): "knee_flex",
    ("SHOULDER", "HIP"): "trunk_flex",
    ("HIP", "SHOULDER"): "trunk_flex",
    ("SHOULDER", "SHOULDER"): "trunk_lat",
}


def _segment_motion(
    exercise: Exercise, joints: tuple[str, ...]
) -> dict[str, tuple[float, float]] | None:
    pair = (joints[0], joints[1])
    if pair in (("SHOULDER", "ELBOW"), ("SHOULDER", "WRIST")):
        return {_arm_lift(exercise): (1.0, 0.0)}
    if pair in (("HIP", "KNEE"), ("HIP", "ANKLE")):
        return {_leg_lift(exercise): (1.0, 0.0)}
    name = _SEGMENTS.get(pair)
    return {name: (1.0, 0.0)} if name else None
