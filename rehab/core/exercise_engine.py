"""One exercise, one set: the counters, hold timers and form checks for every side, fed one
sample at a time with angles already measured and smoothed.

Pure core. `rehab.core.tracker` (live, causal filter) and `rehab.core.analysis` (offline, zero-phase
filter) both drive this same `ExerciseEngine`, so a live count and a re-analysis of the
recorded stream follow identical rules.

Side handling (`Exercise.sides`):
- left / right: one counter on that limb;
- both: both limbs move together; the count runs on the two sides combined (weighted by
  visibility, so one hidden arm does not stop it); each side is also followed on its own to
  report a left/right ROM asymmetry;
- alternating: one counter per side, the set's total is their sum;
- better_seen: one counter per side; the side with more visible landmarks is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from rehab.core.counting import CounterConfig, Phase, RepCounter
from rehab.core.exercise import Exercise, FormRule, SideMode
from rehab.core.hold_timer import HoldTimer
from rehab.core.results import (
    EngineEvent,
    EventKind,
    FormIssue,
    RepResult,
    SetFigures,
    SetResult,
    Side,
    SideFigures,
)

Sample = tuple[float, float]  # (value, confidence); NaN value = not visible


@dataclass(frozen=True)
class EnginePlan:
    """Which sides are measured, which are counted, and how."""

    measured: tuple[Side, ...]  # limbs whose angles are fed in
    counted: tuple[Side, ...]  # signals that count (BOTH = combined)
    followed: tuple[Side, ...]  # signals followed for per-side figures only
    better_seen: bool = False


def plan_for(exercise: Exercise, side: Side | None = None) -> EnginePlan:
    """The plan for `exercise`; `side` narrows it to one limb (LEFT/RIGHT) or forces both."""
    if side in (Side.LEFT, Side.RIGHT):
        return EnginePlan((side,), (side,), ())
    mode = exercise.sides
    if mode is SideMode.LEFT and side is None:
        return EnginePlan((Side.LEFT,), (Side.LEFT,), ())
    if mode is SideMode.RIGHT and side is None:
        return EnginePlan((Side.RIGHT,), (Side.RIGHT,), ())
    both = (Side.LEFT, Side.RIGHT)
    if mode is SideMode.BOTH and not exercise.is_hold:
        return EnginePlan(both, (Side.BOTH,), both)
    if mode is SideMode.BOTH:
        return EnginePlan(both, (Side.BOTH,), ())
    if mode is SideMode.BETTER_SEEN and side is None:
        return EnginePlan(both, both, (), better_seen=True)
    return EnginePlan(both, both, ())


def combine_sides(left: Sample, right: Sample, lesser_of: int = 0) -> Sample:
    """Both limbs as one signal: the visibility-weighted mean, or the one side seen.
    `lesser_of` (+1/-1, the direction of the movement) instead takes the side that moved
    less toward the peak: for exercises whose limbs must move together (`Exercise.together`)."""
    (a_l, c_l), (a_r, c_r) = left, right
    if math.isnan(a_l):
        return right
    if math.isnan(a_r):
        return left
    if lesser_of:
        return left if lesser_of * a_l <= lesser_of * a_r else right
    w_l = c_l if c_l > 0 else 1e-6
    w_r = c_r if c_r > 0 else 1e-6
    return (a_l * w_l + a_r * w_r) / (w_l + w_r), max(c_l, c_r)


def _in_position(
    side: Side, signals: Mapping[Side, Sample], positions: Mapping[Side, bool] | None
) -> bool:
    """A side's hold checks; for both sides combined, those of the better-seen side."""
    if not positions:
        return True
    if side is not Side.BOTH:
        return positions.get(side, True)
    seen = [s for s in (Side.LEFT, Side.RIGHT) if s in signals and signals[s][0] == signals[s][0]]
    if not seen:
        return True
    best = max(seen, key=lambda s: signals[s][1] if signals[s][1] == signals[s][1] else 0.0)
    return positions.get(best, True)


class _Violation:
    __slots__ = ("reported", "since_ms")

    def __init__(self) -> None:
        self.since_ms = math.nan
        self.reported = False


class ExerciseEngine:
    """Counters + hold timers + form rules for one set of one exercise."""

    def __init__(self, exercise: Exercise, side: Side | None = None) -> None:
        self.exercise = exercise
        self.plan = plan_for(exercise, side)
        signals = (*self.plan.counted, *self.plan.followed)
        self.counters: dict[Side, RepCounter] = {}
        self.timers: dict[Side, HoldTimer] = {}
        for s in dict.fromkeys(signals):
            if exercise.hold is not None:
                self.timers[s] = HoldTimer(
                    exercise.id, s, exercise.hold, exercise.hysteresis_deg,
                    exercise.max_gap_ms, exercise.max_unseen_ms,
                )  # fmt: skip
            else:
                self.counters[s] = RepCounter(CounterConfig.from_exercise(exercise, s))
        self.reset()

    def reset(self) -> None:
        for counter in self.counters.values():
            counter.reset()
        for timer in self.timers.values():
            timer.reset()
        self._violations: dict[tuple[str, Side], _Violation] = {}
        self._seen: dict[Side, float] = dict.fromkeys(self.plan.measured, 0.0)
        self._last_ms = math.nan
        self._combined = Side.BOTH in self.plan.counted
        self._lesser_of = self.exercise.direction() if self.exercise.together else 0
        self._machines: list[tuple[Side, RepCounter | HoldTimer]] = [
            (s, self.counters.get(s) or self.timers[s])
            for s in dict.fromkeys((*self.plan.counted, *self.plan.followed))
        ]

    def preferred_side(self) -> Side | None:
        """For better_seen: the side seen best so far (None before anything was seen)."""
        if not self.plan.better_seen:
            return None
        best = max(self._seen, key=lambda s: self._seen[s])
        return best if self._seen[best] > 0 else None

    def reporting(self) -> tuple[Side, ...]:
        """The signals whose reps and events belong to the set."""
        preferred = self.preferred_side()
        return (preferred,) if preferred is not None else self.plan.counted

    def step(
        self,
        t_ms: float,
        angles: Mapping[Side, Sample],
        form_values: Mapping[tuple[str, Side], float] | None = None,
        positions: Mapping[Side, bool] | None = None,
    ) -> list[EngineEvent]:
        """Feed one frame: each measured side's (angle_deg, confidence), already smoothed,
        the form rules' values per (rule id, side) and, for a hold, whether each side passes
        the hold's `requires` checks. Returns the events to show."""
        self._last_ms = t_ms
        signals = self._signals(angles)
        reporting = self.reporting() if self.plan.better_seen else self.plan.counted
        events: list[EngineEvent] = []
        for s, machine in self._machines:
            angle, conf = signals[s]
            if isinstance(machine, HoldTimer):
                in_position = _in_position(s, signals, positions)
                produced = machine.update(t_ms, angle, conf, in_position)
            else:
                produced = machine.update(t_ms, angle, conf)
            if produced and s in reporting:
                events += produced
        if form_values:
            events += self._check_form(t_ms, form_values, reporting)
        return events

    def _signals(self, angles: Mapping[Side, Sample]) -> dict[Side, Sample]:
        nan: Sample = (math.nan, math.nan)
        out = {s: angles.get(s, nan) for s in self.plan.measured}
        if self.plan.better_seen:
            for s, (angle, conf) in out.items():
                if not math.isnan(angle) and not math.isnan(conf):
                    self._seen[s] += conf
        if self._combined:
            out[Side.BOTH] = combine_sides(out[Side.LEFT], out[Side.RIGHT], self._lesser_of)
        return out

    def _machine_for(self, side: Side, reporting: tuple[Side, ...]) -> RepCounter | HoldTimer:
        target = side if side in reporting else Side.BOTH
        if target not in reporting:
            target = reporting[0]
        return self.counters.get(target) or self.timers[target]

    def active_rules(self) -> set[str]:
        """Ids of the form rules that apply right now (the others need not be measured)."""
        reporting = self.reporting()
        machines = [self._machine_for(s, reporting) for s in self.plan.measured]
        return {
            rule.id
            for rule in self.exercise.form_rules
            if any(self._rule_active(rule, m) for m in machines)
        }

    def _rule_active(self, rule: FormRule, machine: RepCounter | HoldTimer) -> bool:
        if rule.when == "always":
            return True
        if isinstance(machine, HoldTimer):
            return machine.in_hold
        if rule.when == "at_peak":
            return machine.phase is Phase.PEAK
        return rule.when == "during_rep" and machine.in_rep

    def _check_form(
        self,
        t_ms: float,
        values: Mapping[tuple[str, Side], float],
        reporting: tuple[Side, ...],
    ) -> list[EngineEvent]:
        events: list[EngineEvent] = []
        for rule in self.exercise.form_rules:
            for s in self.plan.measured:
                value = values.get((rule.id, s), math.nan)
                machine = self._machine_for(s, reporting)
                state = self._violations.setdefault((rule.id, s), _Violation())
                broken = not math.isnan(value) and not rule.allowed.contains(value)
                if not broken or not self._rule_active(rule, machine):
                    state.since_ms, state.reported = math.nan, False
                    continue
                if math.isnan(state.since_ms):
                    state.since_ms = t_ms
                if state.reported or t_ms - state.since_ms < rule.min_duration_ms:
                    continue
                state.reported = True
                issue = FormIssue(rule.id, rule.cue, rule.severity, t_ms)
                if machine.note_form_issue(issue) or rule.when == "always":
                    events.append(
                        EngineEvent(EventKind.FORM_CUE, t_ms, s, rule.cue, form_issue=issue)
                    )
        return events

    def finish(self) -> list[EngineEvent]:
        """End of the set: reps under way become partial reps, holds under way are closed."""
        reporting = self.reporting()
        events: list[EngineEvent] = []
        machines: list[tuple[Side, RepCounter | HoldTimer]] = [
            *self.counters.items(),
            *self.timers.items(),
        ]
        for s, machine in machines:
            produced = machine.finish(self._last_ms)
            if s in reporting:
                events += produced
        return events

    def result(self, warnings: tuple[str, ...] = ()) -> SetResult:
        """The set so far (call `finish()` first at the end of a stream)."""
        reporting = self.reporting()
        reps = sorted(
            (r for s in reporting if s in self.counters for r in self.counters[s].reps),
            key=lambda r: (r.start_ms, r.side),
        )
        figures = self._side_figures()
        if Side.BOTH in self.counters and Side.LEFT in self.counters and not self.exercise.together:
            reps, one_sided = reconcile_bilateral(
                reps, self.counters[Side.LEFT].reps, self.counters[Side.RIGHT].reps
            )
            figures = replace(figures, one_sided_reps=one_sided)
        holds = sorted(
            (h for s in reporting if s in self.timers for h in self.timers[s].holds),
            key=lambda h: h.start_ms,
        )
        return SetResult(
            exercise_id=self.exercise.id,
            reps=tuple(reps),
            holds=tuple(holds),
            figures=figures,
            warnings=warnings,
        )

    def _side_figures(self) -> SetFigures:
        own: dict[Side, SideFigures] = {}
        for s in (Side.LEFT, Side.RIGHT):
            counter, timer = self.counters.get(s), self.timers.get(s)
            if counter is not None:
                done = [r for r in counter.reps if r.complete]
                own[s] = SideFigures(reps=len(done), mean_rom_deg=_mean([r.rom_deg for r in done]))
            elif timer is not None:
                own[s] = SideFigures(held_s=sum(h.held_s for h in timer.holds))
        return SetFigures(left=own.get(Side.LEFT), right=own.get(Side.RIGHT))


MIN_ONE_SIDED_CONFIDENCE = 0.6


def _paired(a: RepResult, b: RepResult) -> bool:
    """Two sides' reps are one movement when their times overlap by at least half the
    shorter rep (arms in turn overlap far less: one is at rest while the other lifts)."""
    shorter_ms = min(a.end_ms - a.start_ms, b.end_ms - b.start_ms)
    overlap_ms = min(a.end_ms, b.end_ms) - max(a.start_ms, b.start_ms)
    return overlap_ms >= 0.5 * shorter_ms


def reconcile_bilateral(
    combined: list[RepResult], left: list[RepResult], right: list[RepResult]
) -> tuple[list[RepResult], int]:
    """A `both` exercise done with one limb, or with the limbs in turn (alternating curls):
    the combined signal (the mean of the sides) may not reach the peak, but each side's own
    counter does. Reps seen on one side only, with good confidence, count on their own when
    that finds more reps than the combined signal; reps seen on both sides at once count
    once. Returns (reps, number of one-sided reps used)."""
    done_l = [r for r in left if r.complete and r.confidence >= MIN_ONE_SIDED_CONFIDENCE]
    done_r = [r for r in right if r.complete and r.confidence >= MIN_ONE_SIDED_CONFIDENCE]
    unpaired_r = list(done_r)
    pairs: list[RepResult] = []
    lone: list[RepResult] = []
    for rep in done_l:
        match = next((r for r in unpaired_r if _paired(rep, r)), None)
        if match is None:
            lone.append(rep)
        else:
            unpaired_r.remove(match)
            pairs.append(max(rep, match, key=lambda r: r.confidence))
    lone += unpaired_r
    n_combined = sum(1 for r in combined if r.complete)
    if not lone or len(pairs) + len(lone) <= n_combined:
        return combined, 0
    together = [
        replace(r, side=Side.BOTH, index=i) for i, r in enumerate(sorted(pairs, key=_start), 1)
    ]
    partial = [r for r in combined if not r.complete]
    return sorted([*together, *lone, *partial], key=_start), len(lone)


def _start(rep: RepResult) -> float:
    return rep.start_ms


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def complete_reps(reps: tuple[RepResult, ...]) -> int:
    return sum(1 for r in reps if r.complete)
