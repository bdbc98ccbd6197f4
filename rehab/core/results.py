"""What the counting engine hands to the rest of the program: events, reps, sets.

Pure data (no I/O). The store keeps every field of RepResult; reports and the dashboard
read them back. Times are milliseconds on the stream's clock; angles are degrees.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class SetResult:
    """One set of one exercise: its reps (complete and partial) and holds, per side."""

    exercise_id: str
    reps: tuple[RepResult, ...] = ()
    holds: tuple[HoldResult, ...] = ()
    extra: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # e.g. which landmarks were never visible

    @property
    def total_reps(self) -> int:
        """All complete reps of every side (an alternating exercise's left + right)."""
        return len(self.complete_reps())

    def reps_per_side(self) -> dict[Side, int]:
        """Complete reps by side, for the sides that have any rep (complete or partial)."""
        sides = dict.fromkeys(r.side for r in self.reps)
        return {s: len(self.complete_reps(s)) for s in sides}

    def complete_reps(self, side: Side | None = None) -> tuple[RepResult, ...]:
        return tuple(r for r in self.reps if r.complete and (side is None or r.side == side))

    def partial_reps(self) -> tuple[RepResult, ...]:
        return tuple(r for r in self.reps if not r.complete)

    @property
    def rep_count(self) -> int:
        """Reps counted: for bilateral exercises counted per side, the larger side's count."""
        per_side = [len(self.complete_reps(s)) for s in Side]
        return max(per_side) if self.reps else 0
