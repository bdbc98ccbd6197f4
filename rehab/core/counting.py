"""The rep-counting state machine and the hold timer: pure, sample by sample.

Both take one (t_ms, angle_deg, confidence) sample per `update()` and return the events it
caused; `reset()` starts over. The same objects serve a live webcam (fed from a causal
filter), a video and a replayed landmark file (fed from the zero-phase filter), so a count
never depends on where the samples came from.

The rep machine (angles turned so that the peak is always "up"):

    UNKNOWN --in rest--> REST --leaves rest by > hysteresis--> RISING --reaches peak--> PEAK
    PEAK --leaves peak by > hysteresis--> RETURNING --back in rest--> REST (rep completed)
    RETURNING --peak again--> PEAK (same rep)      RISING --back in rest--> REST (partial rep)
    UNKNOWN --in peak--> PEAK (a rep already under way at the first frame: it counts when its
    peak and its return to rest are seen; after a long gap, a rep must start from rest)

Hysteresis: a zone is entered at its edge but left only beyond edge +/- hysteresis, and the
peak must be reached between two visits to rest, so jitter at any threshold cannot double
count. A gap (NaN samples) longer than `max_gap_ms` abandons the rep under way and the
machine starts again from UNKNOWN: it never counts through a long gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from rehab.core.exercise import Exercise, Hold
from rehab.core.results import (
    EngineEvent,
    EventKind,
    FormIssue,
    HoldResult,
    RepResult,
    Severity,
    Side,
)


class Phase(Enum):
    UNKNOWN = "unknown"  # no rest seen yet (start, or after a long gap)
    REST = "rest"
    RISING = "rising"  # left rest, peak not reached yet (concentric)
    PEAK = "peak"
    RETURNING = "returning"  # left the peak, not back at rest yet (eccentric)


@dataclass(frozen=True)
class CounterConfig:
    """Parameters of one rep counter, validated; usually made by `from_exercise`."""

    exercise_id: str
    side: Side
    direction: int  # +1: the angle rises from rest to peak; -1: it falls
    rest_edge_deg: float
    peak_edge_deg: float
    hysteresis_deg: float = 5.0
    complete_rom_deg: float = 0.0
    partial_min_deg: float = 10.0  # excursion past the rest edge that makes a partial rep
    # Back at rest: in the rest zone, or back within this share of the rep's own range from
    # where it started (never above the middle between the zones): a patient who stops a
    # little short of the rest zone between reps still completes them.
    return_fraction: float = 0.25
    max_gap_ms: float = 600.0
    min_concentric_s: float | None = None
    max_rep_s: float | None = None
    too_fast_cue: str = "Slow down"
    too_slow_cue: str = "Keep the movement flowing"

    def __post_init__(self) -> None:
        if self.direction not in (1, -1):
            raise ValueError(f"direction must be +1 or -1, got {self.direction}")
        gap = self.direction * (self.peak_edge_deg - self.rest_edge_deg)
        if not gap > 0:
            raise ValueError(
                f"peak edge {self.peak_edge_deg} must lie beyond rest edge "
                f"{self.rest_edge_deg} in direction {self.direction:+d}"
            )
        if not 0 <= self.hysteresis_deg < gap:
            raise ValueError(f"hysteresis_deg must be in [0, {gap}), got {self.hysteresis_deg}")
        if not self.max_gap_ms > 0:
            raise ValueError(f"max_gap_ms must be > 0, got {self.max_gap_ms}")
        if not 0 <= self.return_fraction < 0.5:
            raise ValueError(f"return_fraction must be in [0, 0.5), got {self.return_fraction}")

    @classmethod
    def from_exercise(cls, exercise: Exercise, side: Side) -> CounterConfig:
        rest, peak = exercise.rest_edge_deg(), exercise.peak_edge_deg()
        gap = abs(peak - rest)
        tempo = exercise.tempo
        return cls(
            exercise_id=exercise.id,
            side=side,
            direction=exercise.direction(),
            rest_edge_deg=rest,
            peak_edge_deg=peak,
            hysteresis_deg=min(exercise.hysteresis_deg, gap / 3),
            complete_rom_deg=exercise.complete_rom_deg or gap,
            partial_min_deg=max(gap / 3, exercise.hysteresis_deg),
            max_gap_ms=exercise.max_gap_ms,
            min_concentric_s=tempo.min_concentric_s if tempo else None,
            max_rep_s=tempo.max_rep_s if tempo else None,
            too_fast_cue=tempo.too_fast_cue if tempo else "Slow down",
            too_slow_cue=tempo.too_slow_cue if tempo else "Keep the movement flowing",
        )


class RepCounter:
    """Counts reps of one signal (one side, or both sides combined)."""

    def __init__(self, config: CounterConfig) -> None:
        self.config = config
        self._r = config.direction * config.rest_edge_deg
        self._p = config.direction * config.peak_edge_deg
        self.reset()

    def reset(self) -> None:
        self.phase = Phase.UNKNOWN
        self.reps: list[RepResult] = []
        self.n_complete = 0
        self._last_valid_ms = math.nan
        self._lost = False
        self._after_gap = False  # after a long gap a rep must start from rest again
        self._clear_rep(math.nan)

    def _clear_rep(self, t_ms: float) -> None:
        self._start_ms = t_ms  # first sample of UNKNOWN, or last sample in rest
        self._rest_ms = t_ms
        self._peak_ms = math.nan
        self._peak_u = -math.inf
        self._min_u = math.inf
        self._max_u = -math.inf
        self._peak_entered_ms = math.nan
        self._hold_ms = 0.0
        self._conf_sum = 0.0
        self._conf_n = 0
        self._issues: dict[str, FormIssue] = {}
        self._peak_seen = False
        self._start_seen = True  # False for a rep already under way when tracking began
        self._base_u = math.nan  # where the rep started (the lowest point of the rest before)
        self._rest_top = self._r  # leaving rest means rising past this + hysteresis

    @property
    def in_rep(self) -> bool:
        return self.phase in (Phase.RISING, Phase.PEAK, Phase.RETURNING)

    def note_form_issue(self, issue: FormIssue) -> bool:
        """Attach a form issue to the rep under way (once per rule); True when new."""
        if not self.in_rep or issue.rule_id in self._issues:
            return False
        self._issues[issue.rule_id] = issue
        return True

    def update(self, t_ms: float, angle_deg: float, confidence: float = 1.0) -> list[EngineEvent]:
        """Feed one sample; NaN angle = not visible. Returns the events it caused."""
        if math.isnan(angle_deg):
            return self._on_gap(t_ms)
        events: list[EngineEvent] = []
        if self._lost:
            self._lost = False
            events.append(EngineEvent(EventKind.TRACKING_RESUMED, t_ms, self.config.side))
        elif self._last_valid_ms == self._last_valid_ms and (
            t_ms - self._last_valid_ms > self.config.max_gap_ms
        ):
            events += self._abandon(t_ms)  # a gap with no NaN samples (dropped frames)
        self._last_valid_ms = t_ms
        u = self.config.direction * angle_deg
        self._min_u = min(self._min_u, u)
        self._max_u = max(self._max_u, u)
        events += _STEPS[self.phase](self, t_ms, u)
        if not math.isnan(confidence):
            self._conf_sum += confidence
            self._conf_n += 1
        return events

    def finish(self, t_ms: float) -> list[EngineEvent]:
        """End of the stream: a rep under way is reported as partial (never counted)."""
        events = self._close_partial(t_ms) if self.in_rep else []
        self.phase = Phase.UNKNOWN
        self._clear_rep(t_ms)
        return events

    # --- transitions -------------------------------------------------------------------

    def _step_unknown(self, t_ms: float, u: float) -> list[EngineEvent]:
        if math.isnan(self._start_ms):
            self._start_ms = t_ms
        if u <= self._r:
            self._enter_rest(t_ms, u)
        elif u >= self._p and not self._after_gap:
            self.phase = Phase.PEAK  # a rep under way at the first frame
            self._start_seen = False
            self._base_u = min(self._min_u, self._r)
            return self._enter_peak(t_ms, u)
        return []

    def _step_rest(self, t_ms: float, u: float) -> list[EngineEvent]:
        if u > self._rest_top + self.config.hysteresis_deg:
            self.phase = Phase.RISING
            self._base_u = self._min_u
            self._conf_sum, self._conf_n = 0.0, 0
            return [self._event(EventKind.REP_STARTED, self._rest_ms, u)]
        if u <= self._rest_top:
            self._rest_top = max(self._r, u)
            self._enter_rest(t_ms, u)
        return []

    def _step_rising(self, t_ms: float, u: float) -> list[EngineEvent]:
        if u >= self._p:
            self.phase = Phase.PEAK
            return self._enter_peak(t_ms, u)
        if u <= self._r:
            events = self._close_partial(t_ms)
            self._enter_rest(t_ms, u)
            return events
        return []

    def _step_peak(self, t_ms: float, u: float) -> list[EngineEvent]:
        if u > self._peak_u:
            self._peak_u, self._peak_ms = u, t_ms
        if u < self._p - self.config.hysteresis_deg:
            self.phase = Phase.RETURNING
            self._hold_ms += t_ms - self._peak_entered_ms
        return []

    def _step_returning(self, t_ms: float, u: float) -> list[EngineEvent]:
        if u >= self._p:
            self.phase = Phase.PEAK
            self._peak_entered_ms = t_ms
            return self._step_peak(t_ms, u)
        if u <= self._return_u():
            events = self._complete(t_ms)
            self._enter_rest(t_ms, u)
            return events
        return []

    def _return_u(self) -> float:
        """The level at which a returning rep is back at rest (see `return_fraction`)."""
        base = self._base_u if self._base_u == self._base_u else self._r
        own = base + self.config.return_fraction * (self._peak_u - base)
        return max(self._r, min(own, (self._r + self._p) / 2))

    # --- helpers -----------------------------------------------------------------------

    def _enter_rest(self, t_ms: float, u: float) -> None:
        self._after_gap = False
        if self.phase is not Phase.REST:
            self._clear_rep(t_ms)
            self._min_u = self._max_u = u
            self._rest_top = max(self._r, u)
            self.phase = Phase.REST
        self._rest_ms = self._start_ms = t_ms

    def _enter_peak(self, t_ms: float, u: float) -> list[EngineEvent]:
        self._peak_entered_ms = t_ms
        if u > self._peak_u:
            self._peak_u, self._peak_ms = u, t_ms
        if self._peak_seen:
            return []
        self._peak_seen = True
        return [self._event(EventKind.PEAK_REACHED, t_ms, u)]

    def _on_gap(self, t_ms: float) -> list[EngineEvent]:
        if self._lost or math.isnan(self._last_valid_ms):
            return []
        if t_ms - self._last_valid_ms <= self.config.max_gap_ms:
            return []  # a short gap: hold the state
        self._lost = True
        events = self._abandon(t_ms)
        events.append(EngineEvent(EventKind.TRACKING_LOST, t_ms, self.config.side))
        return events

    def _abandon(self, t_ms: float) -> list[EngineEvent]:
        events = self._close_partial(self._last_valid_ms) if self.in_rep else []
        self.phase = Phase.UNKNOWN
        self._after_gap = True
        self._clear_rep(math.nan)
        return events

    def _close_partial(self, t_ms: float) -> list[EngineEvent]:
        if not self._peak_seen and self._max_u - self._r < self.config.partial_min_deg:
            return []  # a twitch out of rest, not an attempt
        rep = self._result(t_ms, complete=False)
        self.reps.append(rep)
        return [self._event(EventKind.PARTIAL_REP, t_ms, self._max_u, rep=rep)]

    def _complete(self, t_ms: float) -> list[EngineEvent]:
        base = self._base_u if self._base_u == self._base_u else self._min_u
        rom = self._max_u - min(self._min_u, base)  # from where the rep started
        if rom < self.config.complete_rom_deg:
            return self._close_partial(t_ms)
        issues = self._tempo_issues(t_ms)
        rep = self._result(t_ms, complete=True, extra_issues=issues)
        self.reps.append(rep)
        events = [
            EngineEvent(EventKind.FORM_CUE, t_ms, self.config.side, i.cue, form_issue=i)
            for i in issues
        ]
        events.append(self._event(EventKind.REP_COMPLETED, t_ms, self._max_u, rep=rep))
        return events

    def _tempo_issues(self, t_ms: float) -> list[FormIssue]:
        cfg, issues = self.config, []
        concentric_s = (self._peak_ms - self._start_ms) / 1000.0
        too_fast = cfg.min_concentric_s is not None and concentric_s < cfg.min_concentric_s
        if too_fast and self._start_seen:
            issues.append(FormIssue("tempo_too_fast", cfg.too_fast_cue, Severity.INFO, t_ms))
        if cfg.max_rep_s is not None and (t_ms - self._start_ms) / 1000.0 > cfg.max_rep_s:
            issues.append(FormIssue("tempo_too_slow", cfg.too_slow_cue, Severity.INFO, t_ms))
        return issues

    def _result(
        self, t_ms: float, complete: bool, extra_issues: list[FormIssue] | None = None
    ) -> RepResult:
        d = self.config.direction
        lo, hi = sorted((d * self._min_u, d * self._max_u))
        peak_seen = self._peak_seen
        peak_ms = self._peak_ms if peak_seen else t_ms
        peak_u = self._peak_u if peak_seen else self._max_u
        hold_ms = self._hold_ms + (t_ms - self._peak_entered_ms if self.phase is Phase.PEAK else 0)
        if complete:
            self.n_complete += 1
        return RepResult(
            exercise_id=self.config.exercise_id,
            side=self.config.side,
            index=self.n_complete if complete else 0,
            start_ms=self._start_ms,
            peak_ms=peak_ms,
            end_ms=t_ms,
            peak_angle_deg=d * peak_u,
            min_angle_deg=lo,
            max_angle_deg=hi,
            rom_deg=hi - lo,
            concentric_s=max(0.0, (peak_ms - self._start_ms) / 1000.0),
            eccentric_s=max(0.0, (t_ms - peak_ms) / 1000.0) if peak_seen else 0.0,
            hold_s=max(0.0, hold_ms / 1000.0) if peak_seen else 0.0,
            complete=complete,
            confidence=self._conf_sum / self._conf_n if self._conf_n else 0.0,
            form_issues=tuple(self._issues.values()) + tuple(extra_issues or ()),
        )

    def _event(
        self, kind: EventKind, t_ms: float, u: float, rep: RepResult | None = None
    ) -> EngineEvent:
        return EngineEvent(
            kind, t_ms, self.config.side, kind.value.replace("_", " "), rep=rep,
            angle_deg=self.config.direction * u,
        )  # fmt: skip


_STEPS = {
    Phase.UNKNOWN: RepCounter._step_unknown,
    Phase.REST: RepCounter._step_rest,
    Phase.RISING: RepCounter._step_rising,
    Phase.PEAK: RepCounter._step_peak,
    Phase.RETURNING: RepCounter._step_returning,
}


class HoldTimer:
    """Times an isometric hold: seconds with the angle inside the hold zone.

    A hold starts when the angle enters the zone and ends when it has been outside the zone
    by more than `hysteresis_deg` for longer than `grace_ms`, or at a gap > `max_gap_ms`.
    Emits HOLD_PROGRESS once a second and HOLD_COMPLETED when `target_s` is reached.
    """

    def __init__(
        self,
        exercise_id: str,
        side: Side,
        hold: Hold,
        hysteresis_deg: float = 5.0,
        max_gap_ms: float = 600.0,
    ) -> None:
        self.exercise_id = exercise_id
        self.side = side
        self.hold = hold
        self.hysteresis_deg = hysteresis_deg
        self.max_gap_ms = max_gap_ms
        self.reset()

    def reset(self) -> None:
        self.holds: list[HoldResult] = []
        self._active = False
        self._last_ms = math.nan
        self._outside_since = math.nan
        self._clear()

    def _clear(self) -> None:
        self._start_ms = math.nan
        self._held_ms = 0.0
        self._angle_sum = 0.0
        self._conf_sum = 0.0
        self._n = 0
        self._announced_s = 0
        self._completed = False
        self._issues: dict[str, FormIssue] = {}

    @property
    def in_hold(self) -> bool:
        return self._active

    def note_form_issue(self, issue: FormIssue) -> bool:
        if not self._active or issue.rule_id in self._issues:
            return False
        self._issues[issue.rule_id] = issue
        return True

    def _inside(self, angle_deg: float, margin: float) -> bool:
        zone = self.hold.zone
        lo = -math.inf if zone.min_deg is None else zone.min_deg - margin
        hi = math.inf if zone.max_deg is None else zone.max_deg + margin
        return lo <= angle_deg <= hi

    def update(self, t_ms: float, angle_deg: float, confidence: float = 1.0) -> list[EngineEvent]:
        if math.isnan(angle_deg):
            if self._active and t_ms - self._last_ms > self.max_gap_ms:
                return self._end(self._last_ms)
            return []
        events: list[EngineEvent] = []
        if self._active and t_ms - self._last_ms > self.max_gap_ms:
            events += self._end(self._last_ms)
        dt_ms = t_ms - self._last_ms if self._active else 0.0
        self._last_ms = t_ms
        if not self._active:
            if self._inside(angle_deg, 0.0):
                self._active, self._start_ms = True, t_ms
                self._outside_since = math.nan
            return events
        if self._inside(angle_deg, self.hysteresis_deg):
            self._outside_since = math.nan
        elif math.isnan(self._outside_since):
            self._outside_since = t_ms
        elif t_ms - self._outside_since > self.hold.grace_ms:
            return events + self._end(self._outside_since)
        return events + self._accumulate(t_ms, dt_ms, angle_deg, confidence)

    def _accumulate(
        self, t_ms: float, dt_ms: float, angle_deg: float, confidence: float
    ) -> list[EngineEvent]:
        if math.isnan(self._outside_since):
            self._held_ms += dt_ms
            self._angle_sum += angle_deg
            self._conf_sum += 0.0 if math.isnan(confidence) else confidence
            self._n += 1
        events: list[EngineEvent] = []
        whole_s = int(self._held_ms // 1000)
        if whole_s > self._announced_s:
            self._announced_s = whole_s
            events.append(
                EngineEvent(
                    EventKind.HOLD_PROGRESS,
                    t_ms,
                    self.side,
                    f"{whole_s} s",
                    angle_deg=angle_deg,
                    held_s=float(whole_s),
                )
            )
        if not self._completed and self._held_ms >= self.hold.target_s * 1000.0:
            self._completed = True
            result = self._result(t_ms)
            events.append(
                EngineEvent(EventKind.HOLD_COMPLETED, t_ms, self.side, "hold complete", hold=result)
            )
        return events

    def _result(self, end_ms: float) -> HoldResult:
        return HoldResult(
            exercise_id=self.exercise_id,
            side=self.side,
            start_ms=self._start_ms,
            end_ms=end_ms,
            held_s=self._held_ms / 1000.0,
            mean_angle_deg=self._angle_sum / self._n if self._n else math.nan,
            complete=self._held_ms >= self.hold.target_s * 1000.0,
            confidence=self._conf_sum / self._n if self._n else 0.0,
            form_issues=tuple(self._issues.values()),
        )

    def _end(self, end_ms: float) -> list[EngineEvent]:
        events: list[EngineEvent] = []
        if self._held_ms >= self.hold.min_s * 1000.0:
            self.holds.append(self._result(end_ms))
        self._active = False
        self._outside_since = math.nan
        self._clear()
        return events

    def finish(self, t_ms: float) -> list[EngineEvent]:
        """End of the stream: a hold under way is closed and reported."""
        if self._active:
            return self._end(self._last_ms if self._last_ms == self._last_ms else t_ms)
        return []
