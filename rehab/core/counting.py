"""The rep-counting state machine: pure, sample by sample (holds: `rehab.core.hold_timer`).

It takes one (t_ms, angle_deg, confidence) sample per `update()` and returns the events it
caused; `reset()` starts over. The same objects serve a live webcam (fed from a causal
filter), a video and a replayed landmark file (fed from the zero-phase filter), so a count
never depends on where the samples came from.

The rep machine (angles turned so that the peak is always "up"):

    UNKNOWN --in rest--> REST --leaves rest by > hysteresis--> RISING --reaches peak--> PEAK
    PEAK --leaves peak by > hysteresis--> RETURNING --back in rest--> REST (rep completed)
    RETURNING --peak again--> PEAK (same rep)      RISING --back in rest--> REST (partial rep)
    UNKNOWN --in peak--> PEAK (a rep already under way at the first frame: it counts when its
    peak and its return to rest are seen; after a long gap, a rep must start from rest)
    UNKNOWN --on the rest side of the middle between the zones--> REST (a start from rest
    that was not seen: the rise from there to the peak and back must be)

Hysteresis: a zone is entered at its edge but left only beyond edge +/- hysteresis, and the
peak must be reached between two visits to rest, so jitter at any threshold cannot double
count. A gap (NaN samples) longer than `max_gap_ms` is reported (tracking lost); the state
is kept through it, so a rep whose rest, peak and return are each seen counts even when a
cut to a close-up or a limb hidden behind the other hides part of it (a peak is never
assumed: the peak zone must be seen). A gap longer than `max_unseen_ms` abandons the rep
under way, and after it a rep must start from rest again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from rehab.core.exercise import Exercise
from rehab.core.results import (
    EngineEvent,
    EventKind,
    FormIssue,
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
    max_unseen_ms: float = 10_000.0
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
        if not self.max_unseen_ms >= self.max_gap_ms:
            raise ValueError(f"max_unseen_ms must be >= max_gap_ms, got {self.max_unseen_ms}")
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
            max_unseen_ms=exercise.max_unseen_ms,
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
        if t_ms - self._last_valid_ms > self.config.max_unseen_ms:
            events += self._abandon(t_ms)  # also a gap with no samples at all (dropped frames)
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
        if u <= (self._r + self._p) / 2:
            # the rest side of the middle: rest, or a start from rest not seen (a limb hidden
            # behind the other until it rises, a picture that comes back mid-rise)
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
        unseen_ms = t_ms - self._last_valid_ms
        if not unseen_ms > self.config.max_gap_ms:
            return []  # a short gap (or nothing seen yet): hold the state
        events: list[EngineEvent] = []
        if unseen_ms > self.config.max_unseen_ms and not self._after_gap:
            events += self._abandon(t_ms)
        if not self._lost:
            self._lost = True
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
