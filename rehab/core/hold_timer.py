"""The hold timer: seconds in an isometric hold position, sample by sample (pure).

The rep counter's sibling (`rehab.core.counting`): one (t_ms, angle_deg, confidence,
in_position) sample per `update()`, the events it caused back; `reset()` starts over.
"""

from __future__ import annotations

import math

from rehab.core.exercise import Hold
from rehab.core.results import EngineEvent, EventKind, FormIssue, HoldResult, Side


class HoldTimer:
    """Times an isometric hold: seconds in the hold position.

    The hold starts once the position is reached and steady: the angle inside the zone
    (and `in_position`, the hold's other checks, true) without a break for
    `hold.settle_ms`; it is timed from the start of that stretch, so a hold already under
    way at the first frame counts from the first frame. It ends when
    the angle has been out of the zone by more than `hysteresis_deg` (or out of position)
    for longer than `hold.grace_ms`, or when nothing was seen for longer than
    `max_unseen_ms`; it lasts until the last moment in the position, so forgiven
    wobbles and unseen stretches (a cut to a close-up) inside it count.
    Emits HOLD_PROGRESS once a second and HOLD_COMPLETED when `target_s` is reached.
    """

    def __init__(
        self,
        exercise_id: str,
        side: Side,
        hold: Hold,
        hysteresis_deg: float = 5.0,
        max_gap_ms: float = 600.0,
        max_unseen_ms: float = 10_000.0,
    ) -> None:
        self.exercise_id = exercise_id
        self.side = side
        self.hold = hold
        self.hysteresis_deg = hysteresis_deg
        self.max_gap_ms = max_gap_ms  # a gap this long restarts a hold that is settling
        self.max_unseen_ms = max_unseen_ms
        self.reset()

    def reset(self) -> None:
        self.holds: list[HoldResult] = []
        self._active = False
        self._last_ms = math.nan  # last sample seen (any angle)
        self._settling: list[tuple[float, float, float]] = []  # (t_ms, angle, confidence)
        # samples since the position was reached, while it is not yet a hold
        self._clear()

    def _clear(self) -> None:
        self._start_ms = math.nan
        self._inside_ms = math.nan  # last sample in the position
        self._outside_since = math.nan
        self._angle_sum = 0.0
        self._conf_sum = 0.0
        self._n = 0
        self._announced_s = 0
        self._completed = False
        self._issues: dict[str, FormIssue] = {}

    @property
    def in_hold(self) -> bool:
        return self._active

    @property
    def held_ms(self) -> float:
        return self._inside_ms - self._start_ms if self._active else 0.0

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

    def update(
        self,
        t_ms: float,
        angle_deg: float,
        confidence: float = 1.0,
        in_position: bool = True,
    ) -> list[EngineEvent]:
        """Feed one sample; NaN angle = not seen; `in_position`: the hold's other checks."""
        events: list[EngineEvent] = []
        seen_gap_ms = t_ms - self._last_ms
        if self._active and t_ms - self._inside_ms > self.max_unseen_ms:
            events += self._end()  # nothing in the position seen for too long
        if math.isnan(angle_deg):
            if self._settling and seen_gap_ms > self.max_gap_ms:
                self._settling = []
            return events
        self._last_ms = t_ms
        if self._active:
            return events + self._step_active(t_ms, angle_deg, confidence, in_position)
        if self._settling and t_ms - self._settling[-1][0] > self.max_gap_ms:
            self._settling = []
        if in_position and self._inside(angle_deg, 0.0):
            return events + self._settle(t_ms, angle_deg, confidence)
        self._settling = []
        return events

    def _settle(self, t_ms: float, angle_deg: float, confidence: float) -> list[EngineEvent]:
        """Inside the zone, not holding yet: wait until the position is steady."""
        window = self._settling
        window.append((t_ms, angle_deg, confidence))
        if t_ms - window[0][0] < self.hold.settle_ms:
            return []
        self._active, self._start_ms = True, window[0][0]
        for _, angle, conf in window:
            self._add(angle, conf)
        self._settling = []
        self._inside_ms = t_ms
        return self._progress(t_ms, angle_deg)

    def _step_active(
        self, t_ms: float, angle_deg: float, confidence: float, in_position: bool
    ) -> list[EngineEvent]:
        if in_position and self._inside(angle_deg, self.hysteresis_deg):
            self._outside_since = math.nan
            self._inside_ms = t_ms
            self._add(angle_deg, confidence)
            return self._progress(t_ms, angle_deg)
        if math.isnan(self._outside_since):
            self._outside_since = t_ms
        if t_ms - self._outside_since > self.hold.grace_ms:
            return self._end()
        return []

    def _add(self, angle_deg: float, confidence: float) -> None:
        self._angle_sum += angle_deg
        self._conf_sum += 0.0 if math.isnan(confidence) else confidence
        self._n += 1

    def _progress(self, t_ms: float, angle_deg: float) -> list[EngineEvent]:
        events: list[EngineEvent] = []
        whole_s = int(self.held_ms // 1000)
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
        if not self._completed and self.held_ms >= self.hold.target_s * 1000.0:
            self._completed = True
            result = self._result()
            events.append(
                EngineEvent(EventKind.HOLD_COMPLETED, t_ms, self.side, "hold complete", hold=result)
            )
        return events

    def _result(self) -> HoldResult:
        held_ms = self.held_ms
        return HoldResult(
            exercise_id=self.exercise_id,
            side=self.side,
            start_ms=self._start_ms,
            end_ms=self._inside_ms,
            held_s=held_ms / 1000.0,
            mean_angle_deg=self._angle_sum / self._n if self._n else math.nan,
            complete=held_ms >= self.hold.target_s * 1000.0,
            confidence=self._conf_sum / self._n if self._n else 0.0,
            form_issues=tuple(self._issues.values()),
        )

    def _end(self) -> list[EngineEvent]:
        if self.held_ms >= self.hold.min_s * 1000.0:
            self.holds.append(self._result())
        self._active = False
        self._clear()
        return []

    def finish(self, t_ms: float) -> list[EngineEvent]:
        """End of the stream: a hold under way is closed and reported."""
        self._settling = []
        return self._end() if self._active else []
