"""The exercise definition schema: what a clinician writes in `exercises/*.yaml`.

Pure core: pydantic v2 models, unknown keys rejected, joint names checked against the
`Joint` enum when the file is parsed (so a typo is an error at load time, never a silent NaN).
Loading files and reporting errors with file and line lives in `rehab.exercise_library`.

Joint names in an exercise are written without a side (`SHOULDER`, `ELBOW`, `MOUTH`) and
resolved to the side being analysed; `OTHER_HIP` is the same joint on the other side; a
full name (`LEFT_HIP`, `NOSE`) always means that landmark.
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from rehab.core.exercise_text import (
    ENGLISH,
    TEMPO_CUE_KEYS,
    ExerciseText,
    check_language,
)
from rehab.core.geometry import Reference
from rehab.core.landmarks import Joint
from rehab.core.motion import MotionSpec
from rehab.core.results import Severity, Side

SCHEMA_VERSION = 1


class _Model(BaseModel):
    # NaN and infinity are never valid in a definition (`.nan` / `.inf` are valid YAML).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# What the numbers of a definition can mean: every angle we measure lies in 0-180 degrees
# (joint angles and segment angles alike, see geometry.py); an offset is in segment lengths.
MAX_ANGLE_DEG = 180.0
MAX_OFFSET = 10.0
Degrees = Annotated[float, Field(ge=0, le=MAX_ANGLE_DEG)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class BodyRegion(StrEnum):
    NECK = "neck"
    SHOULDER = "shoulder"
    ELBOW = "elbow"
    WRIST = "wrist"
    TRUNK = "trunk"
    HIP = "hip"
    KNEE = "knee"
    ANKLE = "ankle"
    WHOLE_BODY = "whole_body"


class CameraView(StrEnum):
    FRONT = "front"
    SIDE = "side"
    OBLIQUE = "oblique"  # about 45 degrees


class SideMode(StrEnum):
    LEFT = "left"  # the left limb only
    RIGHT = "right"
    BOTH = "both"  # both limbs together (or trunk/whole body): one count
    ALTERNATING = "alternating"  # left and right in turn: counted per side, total = sum
    BETTER_SEEN = "better_seen"  # one limb at a time: the side the camera sees better


class AngleSpace(StrEnum):
    """Which landmarks an angle is computed from (see docs/engine.md)."""

    AUTO = "auto"  # image angle where the segments lie in the image plane, world otherwise
    WORLD = "world"  # BlazePose's 3-D world landmarks (metres)
    IMAGE = "image"  # 2-D pixel positions


_SIDE_PREFIXES = ("LEFT_", "RIGHT_")
_SIDE_SUFFIXES = ("_LEFT", "_RIGHT")


def _sideless_names() -> list[str]:
    names: set[str] = set()
    for joint in Joint:
        for prefix in _SIDE_PREFIXES:
            if joint.name.startswith(prefix):
                names.add(joint.name.removeprefix(prefix))
        for suffix in _SIDE_SUFFIXES:
            if joint.name.endswith(suffix):
                names.add(joint.name.removesuffix(suffix))
    return sorted(names)


SIDELESS_JOINTS: tuple[str, ...] = tuple(_sideless_names())
_ALL_NAMES = (*SIDELESS_JOINTS, *(f"OTHER_{n}" for n in SIDELESS_JOINTS), *Joint.__members__)


def check_joint_name(name: str) -> str:
    """The joint name normalised to upper case; ValueError with a 'did you mean' hint."""
    key = name.strip().upper()
    if key in _ALL_NAMES:
        return key
    close = difflib.get_close_matches(key, _ALL_NAMES, n=1)
    hint = f" — did you mean {close[0]}?" if close else ""
    raise ValueError(f"unknown joint '{name}'{hint}")


def resolve_joint(name: str, side: Side) -> Joint:
    """The landmark `name` means for `side` (LEFT/RIGHT; BOTH resolves like LEFT)."""
    key = check_joint_name(name)
    if key in Joint.__members__:
        return Joint[key]
    own = "RIGHT" if side is Side.RIGHT else "LEFT"
    other = "LEFT" if own == "RIGHT" else "RIGHT"
    if key.startswith("OTHER_"):
        key, own = key.removeprefix("OTHER_"), other
    for candidate in (f"{own}_{key}", f"{key}_{own}"):
        if candidate in Joint.__members__:
            return Joint[candidate]
    raise ValueError(f"joint '{name}' has no {own.lower()} side")  # pragma: no cover


JointName = Annotated[str, Field(min_length=1), AfterValidator(check_joint_name)]


class AngleSpec(_Model):
    """A measured angle: `joint` = the angle at the middle of three points; `segment` = the
    angle of points[0]->points[1] from the vertical (down) or the horizontal.

    `flexion: true` reports 180 minus the joint angle (0 = straight limb), as a goniometer
    reads elbow and knee flexion.
    """

    kind: Literal["joint", "segment"] = "joint"
    points: list[JointName]
    reference: Reference = Reference.VERTICAL
    flexion: bool = False
    space: AngleSpace = AngleSpace.AUTO
    # Used on frames where a point of this angle is not visible, e.g. the upper arm against
    # the vertical when the hips are out of the picture.
    fallback: AngleSpec | None = None
    # A segment against the vertical measured in the body's frontal plane: the vertical
    # plane through this left-right axis [inner, outer], e.g. [OTHER_HIP, HIP]. Signed:
    # positive when the segment leans outward, negative across the midline; a swing
    # forward or back, and a tilt of the axis itself, are left out.
    lateral_axis: list[JointName] | None = None

    @model_validator(mode="after")
    def _point_count(self) -> AngleSpec:
        wanted = 3 if self.kind == "joint" else 2
        if len(self.points) != wanted:
            raise ValueError(f"a {self.kind} angle needs {wanted} points, got {len(self.points)}")
        if self.kind == "segment" and self.flexion:
            raise ValueError("flexion applies to joint angles only")
        if self.lateral_axis is not None:
            if self.kind != "segment" or self.reference is not Reference.VERTICAL:
                raise ValueError("lateral_axis applies to segment angles from the vertical")
            if len(self.lateral_axis) != 2:
                raise ValueError(f"lateral_axis needs 2 joints, got {len(self.lateral_axis)}")
        return self

    def joints(self, side: Side) -> tuple[Joint, ...]:
        """Every landmark the angle uses: its points, then its lateral axis (if any)."""
        names = [*self.points, *(self.lateral_axis or [])]
        return tuple(dict.fromkeys(resolve_joint(p, side) for p in names))

    def point_joints(self, side: Side) -> tuple[Joint, ...]:
        """The landmarks of `points` only, in order."""
        return tuple(resolve_joint(p, side) for p in self.points)

    def describe(self) -> str:
        """A one-line human description, e.g. 'flexion at ELBOW (SHOULDER-ELBOW-WRIST)'."""
        chain = "-".join(self.points)
        if self.kind == "segment" and self.lateral_axis:
            axis = "-".join(self.lateral_axis)
            text = f"{chain} from the vertical in the frontal plane ({axis}; + outward)"
        elif self.kind == "segment":
            text = f"{chain} from the {self.reference.value}"
        else:
            text = f"{'flexion' if self.flexion else 'angle'} at {self.points[1]} ({chain})"
        return text + (f"; else {self.fallback.describe()}" if self.fallback else "")


class Zone(_Model):
    """An angle interval in degrees; an open end is None."""

    min_deg: Degrees | None = None
    max_deg: Degrees | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Zone:
        if self.min_deg is None and self.max_deg is None:
            raise ValueError("a zone needs min_deg, max_deg or both")
        if self.min_deg is not None and self.max_deg is not None and self.min_deg > self.max_deg:
            raise ValueError(f"min_deg {self.min_deg} is above max_deg {self.max_deg}")
        return self

    def contains(self, angle_deg: float) -> bool:
        lo = self.min_deg if self.min_deg is not None else -float("inf")
        hi = self.max_deg if self.max_deg is not None else float("inf")
        return lo <= angle_deg <= hi


class Bounds(_Model):
    """Allowed values of a form measure (degrees for angles, segment lengths for offsets)."""

    min: float | None = Field(default=None, ge=-MAX_ANGLE_DEG, le=MAX_ANGLE_DEG)
    max: float | None = Field(default=None, ge=-MAX_ANGLE_DEG, le=MAX_ANGLE_DEG)

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min is None and self.max is None:
            raise ValueError("bounds need min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class OffsetSpec(_Model):
    """A landmark relation: how far points[0] lies from points[1] along an axis, in units of
    the length of the segment `per` (so the figure does not depend on distance to camera).

    axis `up`: positive when points[0] is above points[1]; `forward`: positive when
    points[0] is further along the direction the person faces (side view only, uses the
    nose to tell the facing direction); `lateral`: absolute horizontal distance.
    """

    kind: Literal["offset"] = "offset"
    points: list[JointName]
    axis: Literal["up", "forward", "lateral"]
    per: list[JointName]

    @field_validator("points", "per")
    @classmethod
    def _two_joints(cls, value: list[str]) -> list[str]:
        if len(value) != 2:
            raise ValueError(f"needs 2 joints, got {len(value)}")
        return value


Measure = Annotated[AngleSpec | OffsetSpec, Field(discriminator="kind")]


class FormRule(_Model):
    """A condition checked while the exercise is done; breaking it shows `cue`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    measure: Measure
    allowed: Bounds
    when: Literal["always", "during_rep", "at_peak", "during_hold"] = "during_rep"
    cue: str = Field(min_length=3, max_length=200)
    severity: Severity = Severity.WARNING
    min_duration_ms: float = Field(default=300.0, ge=0, le=60_000)

    @model_validator(mode="after")
    def _bounds_fit_the_measure(self) -> FormRule:
        if isinstance(self.measure, AngleSpec):
            low, high, unit = 0.0, MAX_ANGLE_DEG, "an angle lies in 0-180 degrees"
        else:
            low, high, unit = -MAX_OFFSET, MAX_OFFSET, f"an offset lies within ±{MAX_OFFSET:g}"
        for name in ("min", "max"):
            value = getattr(self.allowed, name)
            if value is not None and not low <= value <= high:
                raise ValueError(f"allowed.{name} {value:g} can never be reached ({unit})")
        return self


class Tempo(_Model):
    """Tempo limits per rep: a cue when the lifting phase or the whole rep is off."""

    min_concentric_s: float | None = Field(default=None, gt=0, le=60)
    max_rep_s: float | None = Field(default=None, gt=0, le=600)
    too_fast_cue: ShortText = "Slow down: take about two seconds to lift"
    too_slow_cue: ShortText = "Keep the movement flowing"

    @model_validator(mode="after")
    def _consistent(self) -> Tempo:
        fast, slow = self.min_concentric_s, self.max_rep_s
        if fast is not None and slow is not None and fast >= slow:
            raise ValueError(f"min_concentric_s {fast:g} must be below max_rep_s {slow:g}")
        return self


class PositionCheck(_Model):
    """Part of a hold's position besides the primary angle, e.g. the hips straight in a
    plank: a frame where the check fails is out of the hold."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    measure: Measure
    allowed: Bounds


class Hold(_Model):
    """An isometric exercise: seconds held with the primary angle inside `zone`.

    A hold starts once the position is reached and steady: the angle inside the zone and
    every `requires` check passed, without a break, for `settle_ms` (a pass through the
    zone on the way elsewhere is no hold); it is timed from the start of that stretch, so a
    hold under way at the first frame counts from the first frame. It ends at the last moment in the
    position; wobbles out of the zone shorter than `grace_ms` and stretches where the
    needed joints are not seen (a cut to a close-up) up to `max_unseen_ms` are forgiven
    and counted when the position is the same on both sides of them.
    """

    zone: Zone
    target_s: float = Field(gt=0, le=3600)
    min_s: float = Field(default=2.0, ge=0, le=3600)  # shorter stays are not reported as holds
    grace_ms: float = Field(default=800.0, ge=0, le=10_000)  # brief wobbles out of the zone
    settle_ms: float = Field(default=500.0, ge=0, le=10_000)
    requires: list[PositionCheck] = Field([], max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> Hold:
        if self.min_s > self.target_s:
            raise ValueError(f"min_s {self.min_s:g} is above target_s {self.target_s:g}")
        ids = [c.id for c in self.requires]
        if len(ids) != len(set(ids)):
            raise ValueError(f"hold.requires ids repeat: {ids}")
        return self


class Exercise(_Model):
    """One exercise definition (schema version 1)."""

    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    name: str = Field(min_length=1, max_length=80)
    aliases: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field([], max_length=20)
    description: str = Field(min_length=1, max_length=4000)
    instructions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=1, max_length=30
    )
    body_region: BodyRegion
    camera_views: list[CameraView] = Field(min_length=1, max_length=3)
    sides: SideMode
    # sides `both` only: the limbs must make the movement at once (both heels in a heel
    # raise). The count runs on the limb that moved less, so a movement of one limb alone
    # (a step) is no rep, and one-limb reps are not counted on their own.
    together: bool = False
    angle: AngleSpec
    rest: Zone | None = None
    peak: Zone | None = None
    hysteresis_deg: float = Field(default=5.0, ge=0, le=30)
    complete_rom_deg: float | None = Field(default=None, gt=0, le=MAX_ANGLE_DEG)
    target_rom_deg: float | None = Field(default=None, gt=0, le=MAX_ANGLE_DEG)
    # A ROM not to go beyond (a caution when passed), e.g. a mini squat kept shallow;
    # the default limit of a prescription of this exercise.
    rom_limit_deg: float | None = Field(default=None, gt=0, le=MAX_ANGLE_DEG)
    hold: Hold | None = None
    tempo: Tempo | None = None
    form_rules: list[FormRule] = Field([], max_length=30)
    # Landmarks that must be visible (>= min_visibility) for a frame to be measured, besides
    # the primary angle's own points (a fallback angle can stand in for those).
    required_landmarks: list[JointName] = Field([], max_length=33)
    min_visibility: float = Field(default=0.5, ge=0, le=1)
    max_gap_ms: float = Field(default=600.0, gt=0, le=10_000)  # shorter gaps are bridged
    # Longer gaps (a cut to a close-up, a limb hidden behind the other) keep the rep or the
    # hold under way up to this long: it goes on when the joints are seen again. Longer
    # still, the rep under way is abandoned (partial) and the hold ends where last seen.
    max_unseen_ms: float = Field(default=10_000.0, gt=0, le=600_000)
    cutoff_hz: float = Field(default=3.0, gt=0, le=15)  # below half a webcam's frame rate
    # How the demonstration figure moves (default: read from the counted angle).
    demo: MotionSpec | None = None
    # The words in other languages, beside the English (see rehab.core.exercise_text).
    translations: dict[str, ExerciseText] = {}

    @field_validator("aliases")
    @classmethod
    def _alias_ids(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]

    @model_validator(mode="after")
    def _zones(self) -> Exercise:
        if self.hold is None:
            if self.rest is None or self.peak is None:
                raise ValueError("a rep exercise needs both `rest` and `peak` zones")
            self.rest_edge_deg()  # raises when the zones overlap or are unbounded inward
        elif self.rest is not None or self.peak is not None:
            raise ValueError("a hold exercise uses `hold.zone`, not `rest`/`peak`")
        ids = [r.id for r in self.form_rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"form rule ids repeat: {ids}")
        if self.max_unseen_ms < self.max_gap_ms:
            raise ValueError("max_unseen_ms must be at least max_gap_ms")
        if self.together and (self.sides is not SideMode.BOTH or self.hold is not None):
            raise ValueError("together applies to rep exercises with sides: both")
        return self

    @model_validator(mode="after")
    def _translations_complete(self) -> Exercise:
        wanted = {r.id for r in self.form_rules} | (
            set(TEMPO_CUE_KEYS) if self.tempo is not None else set()
        )
        for code, text in self.translations.items():
            check_language(code)
            if len(text.instructions) != len(self.instructions):
                raise ValueError(
                    f"translations.{code}.instructions: {len(text.instructions)} steps, "
                    f"the English has {len(self.instructions)}"
                )
            missing, unknown = wanted - set(text.cues), set(text.cues) - wanted
            if missing or unknown:
                problem = f"missing {sorted(missing)}" if missing else f"unknown {sorted(unknown)}"
                raise ValueError(
                    f"translations.{code}.cues: {problem} (one per form rule id"
                    f"{', plus too_fast and too_slow' if self.tempo else ''})"
                )
        return self

    @property
    def is_hold(self) -> bool:
        return self.hold is not None

    def direction(self) -> int:
        """+1 when the angle rises from rest to peak, -1 when it falls."""
        rest, peak = self._zones_or_raise()
        if rest.max_deg is not None and peak.min_deg is not None and peak.min_deg >= rest.max_deg:
            return 1
        if rest.min_deg is not None and peak.max_deg is not None and peak.max_deg <= rest.min_deg:
            return -1
        raise ValueError(
            "rest and peak zones must not overlap: give rest.max_deg <= peak.min_deg "
            "(angle rises) or rest.min_deg >= peak.max_deg (angle falls)"
        )

    def rest_edge_deg(self) -> float:
        """The rest zone's boundary toward the peak."""
        rest, _ = self._zones_or_raise()
        edge = rest.max_deg if self.direction() > 0 else rest.min_deg
        assert edge is not None
        return edge

    def peak_edge_deg(self) -> float:
        """The peak zone's boundary toward rest."""
        _, peak = self._zones_or_raise()
        edge = peak.min_deg if self.direction() > 0 else peak.max_deg
        assert edge is not None
        return edge

    def _zones_or_raise(self) -> tuple[Zone, Zone]:
        if self.rest is None or self.peak is None:
            raise ValueError(f"exercise {self.id} is a hold: it has no rest/peak zones")
        return self.rest, self.peak

    def sides_to_track(self) -> tuple[Side, ...]:
        """The limbs measured: BOTH means each side measured and combined."""
        if self.sides is SideMode.LEFT:
            return (Side.LEFT,)
        if self.sides is SideMode.RIGHT:
            return (Side.RIGHT,)
        return (Side.LEFT, Side.RIGHT)

    def landmarks_needed(self, side: Side) -> tuple[Joint, ...]:
        """Landmarks that must be visible for `side`: the primary angle's and any listed."""
        named = [resolve_joint(n, side) for n in self.required_landmarks]
        return tuple(dict.fromkeys([*self.angle.joints(side), *named]))


def localized(exercise: Exercise, language: str) -> Exercise:
    """The exercise with its words in `language` (its name, description, instructions and
    cues); the exercise itself for English or a language it has no translation for."""
    text = exercise.translations.get(language)
    if language == ENGLISH or text is None:
        return exercise
    rules = [r.model_copy(update={"cue": text.cues[r.id]}) for r in exercise.form_rules]
    tempo = exercise.tempo
    if tempo is not None:
        tempo = tempo.model_copy(
            update={"too_fast_cue": text.cues["too_fast"], "too_slow_cue": text.cues["too_slow"]}
        )
    return exercise.model_copy(
        update={
            "name": text.name,
            "description": text.description,
            "instructions": list(text.instructions),
            "form_rules": rules,
            "tempo": tempo,
        }
    )
