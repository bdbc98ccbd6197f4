"""What the counting engine hands to the rest of the program: events, reps, sets.

Pure data (no I/O). The store keeps every field of RepResult; reports and the dashboard
read them back. Times are milliseconds on the stream's clock; angles are degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"  # both limbs together, or a trunk / whole-body movement


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class EventKind(StrEnum):
    REP_STARTED = "rep_started"
    PEAK_REACHED = "peak_reached"
    REP_COMPLETED = "rep_completed"
    PARTIAL_REP = "partial_rep"
    HOLD_PROGRESS = "hold_progress"
    HOLD_COMPLETED = "hold_completed"
    FORM_CUE = "form_cue"
    TRACKING_LOST = "tracking_lost"
    TRACKING_RESUMED = "tracking_resumed"


@dataclass(frozen=True)
class FormIssue:
    """A form rule broken during a rep (or a hold)."""

    rule_id: str
    cue: str  # what the patient is told, e.g. "Keep your knees behind your toes"
    severity: Severity
    t_ms: float


@dataclass(frozen=True)
class RepResult:
    """One repetition, complete or partial, with every metric the engine measures."""

    exercise_id: str
    side: Side
    index: int  # 1-based among the complete reps of this side; 0 for a partial rep
    start_ms: float
    peak_ms: float
    end_ms: float
    peak_angle_deg: float  # the angle at the peak of the movement
    min_angle_deg: float  # the smallest angle seen during the rep
    max_angle_deg: float  # the largest angle seen during the rep
    rom_deg: float  # range of motion: max - min over the rep
    concentric_s: float  # rest -> peak
    eccentric_s: float  # peak -> back at rest
    hold_s: float  # time spent in the peak zone
    complete: bool  # False: a partial rep, never counted
    confidence: float  # 0..1, from landmark visibility and camera view
    form_issues: tuple[FormIssue, ...] = ()

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


@dataclass(frozen=True)
class HoldResult:
    """A timed hold (isometric exercise): the time spent in the hold zone."""

    exercise_id: str
    side: Side
    start_ms: float
    end_ms: float
    held_s: float
    mean_angle_deg: float
    complete: bool  # the prescribed time was reached
    confidence: float
    form_issues: tuple[FormIssue, ...] = ()


@dataclass(frozen=True)
class EngineEvent:
    """Something the patient or the page should know now."""

    kind: EventKind
    t_ms: float
    side: Side
    message: str = ""
    rep: RepResult | None = None
    hold: HoldResult | None = None
    form_issue: FormIssue | None = None
    angle_deg: float | None = None
    held_s: float | None = None  # HOLD_PROGRESS: whole seconds held so far


def asymmetry_pct(left: float, right: float) -> float:
    """Left/right difference: |left - right| as a percentage of the larger (0 = symmetric);
    NaN when either is unknown. The one definition of the asymmetry figure."""
    if math.isnan(left) or math.isnan(right) or max(left, right) <= 0:
        return math.nan
    return 100.0 * abs(left - right) / max(left, right)


def done_by_limb(done: Mapping[Side, float], sides: Iterable[Side] = ()) -> dict[Side, float]:
    """What each limb did in a set counted limb by limb: its own reps (or seconds held) plus
    what both limbs did together (`Side.BOTH` counts for each). `sides` adds limbs that
    belong to the set though they did nothing yet (0). Empty when the set counts both limbs
    together only."""
    together, wanted = done.get(Side.BOTH, 0), (*done, *sides)
    return {s: together + done.get(s, 0) for s in (Side.LEFT, Side.RIGHT) if s in wanted}


def counts_for(side: Side, prescribed: Side) -> bool:
    """Whether a limb's movements count for a set prescribed for `prescribed` (a one-sided
    set: that limb's and both together; a set for both sides: every limb's)."""
    return prescribed is Side.BOTH or side in (prescribed, Side.BOTH)


def done_each_side(
    done: Mapping[Side, float], sides: Iterable[Side] = (), prescribed: Side = Side.BOTH
) -> float:
    """How much of a prescription a set has done. A prescription counts per side: "10 reps"
    of an exercise done one leg at a time means 10 with each leg.

    `done` maps each side to what it did (complete reps, or seconds held); the set has done
    what its weakest limb did (`done_by_limb`), or, counted with both limbs together, what
    they did. The one rule for "reps done vs prescribed": SetResult.reps_done, the store's
    volume query and the live flow's set target all use it. A set prescribed for one side
    (`prescribed` LEFT or RIGHT) has done what that limb did: the other limb's movements
    (the good leg shown for comparison) do not count against it.
    """
    if prescribed is not Side.BOTH:
        done = {s: n for s, n in done.items() if counts_for(s, prescribed)}
        sides = [prescribed]
    by_limb = done_by_limb(done, sides)
    return min(by_limb.values()) if by_limb else done.get(Side.BOTH, 0)


@dataclass(frozen=True)
class SideFigures:
    """One limb's own figures in a set (followed even when the limbs count together)."""

    reps: int | None = None  # complete reps on this limb's own counter (None: a hold)
    mean_rom_deg: float = math.nan  # NaN: no complete rep
    held_s: float | None = None  # seconds held, for a hold exercise


_JSON_SIDES = (Side.LEFT, Side.RIGHT)


@dataclass(frozen=True)
class SetFigures:
    """A set's figures beyond its reps and holds: each limb's own count and mean ROM, the
    left/right asymmetry, and how many reps of a `both` exercise counted one-sided.

    Stored as JSON (the `extra` column of a set) with the flat keys the engine has always
    written (`left_reps`, `left_mean_rom_deg`, `left_held_s`, the same for right,
    `rom_asymmetry_pct`, `one_sided_reps`), so rows written before this class read back.
    """

    left: SideFigures | None = None
    right: SideFigures | None = None
    one_sided_reps: int | None = None

    def side(self, side: Side) -> SideFigures | None:
        return {Side.LEFT: self.left, Side.RIGHT: self.right}.get(side)

    @property
    def rom_asymmetry_pct(self) -> float:
        """NaN unless both limbs have a mean ROM."""
        if self.left is None or self.right is None:
            return math.nan
        return asymmetry_pct(self.left.mean_rom_deg, self.right.mean_rom_deg)

    def to_json(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for side in _JSON_SIDES:
            own = self.side(side)
            if own is None:
                continue
            if own.reps is not None:
                out[f"{side.value}_reps"] = float(own.reps)
                out[f"{side.value}_mean_rom_deg"] = own.mean_rom_deg
            if own.held_s is not None:
                out[f"{side.value}_held_s"] = own.held_s
        if not math.isnan(self.rom_asymmetry_pct):
            out["rom_asymmetry_pct"] = self.rom_asymmetry_pct
        if self.one_sided_reps is not None:
            out["one_sided_reps"] = float(self.one_sided_reps)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, float]) -> SetFigures:
        """The figures stored by `to_json` (the asymmetry is recomputed from the means;
        keys this version does not know are left out)."""
        sides = {side: _side_from_json(data, side.value) for side in _JSON_SIDES}
        one_sided = data.get("one_sided_reps")
        return cls(
            left=sides[Side.LEFT],
            right=sides[Side.RIGHT],
            one_sided_reps=None if one_sided is None else int(one_sided),
        )


def _side_from_json(data: Mapping[str, float], prefix: str) -> SideFigures | None:
    reps, held = data.get(f"{prefix}_reps"), data.get(f"{prefix}_held_s")
    if reps is None and held is None:
        return None
    return SideFigures(
        reps=None if reps is None or math.isnan(reps) else int(reps),
        mean_rom_deg=data.get(f"{prefix}_mean_rom_deg", math.nan),
        held_s=held,
    )


@dataclass(frozen=True)
class SetResult:
    """One set of one exercise: its reps (complete and partial) and holds, per side."""

    exercise_id: str
    reps: tuple[RepResult, ...] = ()
    holds: tuple[HoldResult, ...] = ()
    figures: SetFigures = field(default_factory=SetFigures)
    warnings: tuple[str, ...] = ()  # e.g. which landmarks were never visible

    @property
    def total_reps(self) -> int:
        """Every complete rep of every side (an alternating exercise's left + right): the
        movements counted, as a hand count of a video counts them."""
        return len(self.complete_reps())

    @property
    def reps_done(self) -> int:
        """Reps done against a prescription of reps per set (per side for an exercise done
        one side at a time): see `done_each_side`."""
        return int(done_each_side(self.reps_per_side()))

    def reps_by_limb(self) -> dict[Side, int]:
        """Each limb's reps in a set counted limb by limb (see `done_by_limb`)."""
        return {side: int(n) for side, n in done_by_limb(self.reps_per_side()).items()}

    @property
    def held_done_s(self) -> float:
        """Seconds held against a prescription of hold seconds (per side, as reps_done)."""
        held: dict[Side, float] = {}
        for hold in self.holds:
            held[hold.side] = held.get(hold.side, 0.0) + hold.held_s
        return float(done_each_side(held))

    def reps_per_side(self) -> dict[Side, int]:
        """Complete reps by side, for the sides that have any rep (complete or partial)."""
        sides = dict.fromkeys(r.side for r in self.reps)
        return {s: len(self.complete_reps(s)) for s in sides}

    def complete_reps(self, side: Side | None = None) -> tuple[RepResult, ...]:
        return tuple(r for r in self.reps if r.complete and (side is None or r.side == side))

    def partial_reps(self) -> tuple[RepResult, ...]:
        return tuple(r for r in self.reps if not r.complete)
