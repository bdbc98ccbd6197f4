"""How an exercise moves the body: the `demo:` block of an exercise file (pure core).

The demonstration figure and the synthetic test streams pose a 3-D body from a few
anatomical angles. An exercise says which of them follow its movement:

    demo:
      posture: supine                       # standing (default), seated, supine, prone
      moving:                               # degrees per degree of movement (u = 0, 1, ...)
        hip_flex: {per_deg: -1, from_deg: 50}
        knee_flex: 1                        # a number is per_deg, from 0
      fixed: {knee_flex: 90, other_knee_flex: 90}
      rep_s: 2                              # optional: one rep, up and down, in seconds

Angle names belong to the moving limb (`knee_flex`) or to the other one (`other_knee_flex`);
`trunk_flex`, `trunk_lat` and `body_pitch` belong to the whole body. The movement value u
starts at 0 and grows until the exercise's counted angle reaches its peak. Without a `demo:`
block the motion is read from the counted angle (see `rehab.core.synthetic.motion_for`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Posture(StrEnum):
    STANDING = "standing"
    SEATED = "seated"
    SUPINE = "supine"  # lying on the back
    PRONE = "prone"  # face down (plank, push-up)


LIMB_ANGLES: tuple[str, ...] = (
    "shoulder_abd",
    "shoulder_flex",
    "elbow_flex",
    "hip_flex",
    "hip_abd",
    "knee_flex",
    "ankle_plantar",
)
BODY_ANGLES: tuple[str, ...] = ("trunk_flex", "trunk_lat", "body_pitch")
BODY_ANGLE_NAMES: tuple[str, ...] = (
    *LIMB_ANGLES,
    *(f"other_{name}" for name in LIMB_ANGLES),
    *BODY_ANGLES,
)


def check_body_angle(name: str) -> str:
    """The name if it is a body angle the figure can pose; ValueError listing them else."""
    if name in BODY_ANGLE_NAMES:
        return name
    raise ValueError(f"unknown body angle '{name}'; use one of: {', '.join(BODY_ANGLE_NAMES)}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Move(_Model):
    """A body angle that follows the movement value u: from_deg + per_deg * u."""

    per_deg: float = Field(default=1.0, ge=-5, le=5)
    from_deg: float = Field(default=0.0, ge=-180, le=180)


class MotionSpec(_Model):
    """The `demo:` block: posture, moving and fixed body angles, optional rep duration."""

    posture: Posture = Posture.STANDING
    moving: dict[str, Move | float] = Field(min_length=1, max_length=len(BODY_ANGLE_NAMES))
    fixed: dict[str, float] = Field({}, max_length=len(BODY_ANGLE_NAMES))
    rep_s: float | None = Field(default=None, gt=0, le=30)

    @field_validator("moving", "fixed")
    @classmethod
    def _known_angles(cls, value: dict[str, object]) -> dict[str, object]:
        for name in value:
            check_body_angle(name)
        return value

    def moves(self) -> dict[str, tuple[float, float]]:
        """{angle: (per_deg, from_deg)} with the number shorthand expanded."""
        return {
            name: (m.per_deg, m.from_deg) if isinstance(m, Move) else (float(m), 0.0)
            for name, m in self.moving.items()
        }
