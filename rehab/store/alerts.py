"""Alert rules (after MedBridge's): pain, inactivity, falling ROM, low adherence.

Pure functions over facts the queries gather in bulk (no database access here), so the
patient list computes every patient's alerts from a handful of grouped queries.

- pain (a check-in's pain is the worse of before/after): ≥7 critical; up ≥2 points on the
  previous check-in high; ≥5 and up ≥1 low;
- inactivity while a program is active: no session for 49 h low, 14 days high ("stalled");
- ROM: mean ROM of an exercise/side over the last 7 days down ≥10% on the 7 days before high,
  ≥20% critical (MedBridge: function down ≥20% is critical);
- adherence: fewer than half the prescribed sessions in the last 7 days low.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rehab.display import pct


class AlertSeverity(StrEnum):
    LOW = "low"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"low": 1, "high": 2, "critical": 3}[self.value]


class AlertKind(StrEnum):
    PAIN = "pain"
    INACTIVE = "inactive"
    ROM_FALLING = "rom_falling"
    LOW_ADHERENCE = "low_adherence"


@dataclass(frozen=True)
class Alert:
    patient_id: int
    kind: AlertKind
    severity: AlertSeverity
    message: str  # without the exercise: `describe` names it
    at: dt.datetime  # when the fact behind the alert happened (or was checked)
    exercise_id: str | None = None
    side: str | None = None

    def describe(self, name_of: Callable[[str], str]) -> str:
        """The message with the exercise's name and side first, e.g. 'Seated knee
        extension (left): ROM down 18% in a week (80° → 66°)'."""
        if self.exercise_id is None:
            return self.message
        side = f" ({self.side})" if self.side else ""
        return f"{name_of(self.exercise_id)}{side}: {self.message}"


@dataclass(frozen=True)
class AlertRules:
    pain_critical: int = 7
    pain_rise_high: int = 2
    pain_low: int = 5
    pain_rise_low: int = 1
    inactive_low: dt.timedelta = dt.timedelta(hours=49)
    inactive_high: dt.timedelta = dt.timedelta(days=14)
    rom_drop_high: float = 0.10
    rom_drop_critical: float = 0.20
    rom_window: dt.timedelta = dt.timedelta(days=7)
    adherence_low: float = 0.5


DEFAULT_RULES = AlertRules()


@dataclass(frozen=True)
class PainFact:
    at: dt.datetime
    pain: int


@dataclass(frozen=True)
class RomFact:
    """The ROM trend of an exercise and side: the mean ROM (complete reps) of the last
    `rom_window` against the window before. One definition: the alert and the progress
    headline both read it, in the same words (`trend_words`)."""

    exercise_id: str
    side: str
    recent_mean_deg: float  # the last `rom_window`
    previous_mean_deg: float  # the window before

    @property
    def change(self) -> float:
        """Relative change, e.g. -0.18 for down 18% (NaN when not measurable)."""
        before, recent = self.previous_mean_deg, self.recent_mean_deg
        if not (before > 0 and math.isfinite(before) and math.isfinite(recent)):
            return math.nan
        return (recent - before) / before

    @property
    def direction(self) -> str:
        """'up', 'down' or 'steady' (a change under 1%), '' when not measurable."""
        change = self.change
        if math.isnan(change):
            return ""
        if round(abs(change) * 100) < 1:
            return "steady"
        return "up" if change > 0 else "down"


def trend_words(fact: RomFact) -> str:
    """'ROM down 18% in a week (80° → 66°)': the words of the alert and of the headline."""
    before, recent = f"{fact.previous_mean_deg:.0f}°", f"{fact.recent_mean_deg:.0f}°"
    direction = fact.direction
    if not direction:
        return "ROM trend: not measurable"
    amount = "" if direction == "steady" else f" {pct(100 * abs(fact.change))}"
    return f"ROM {direction}{amount} in a week ({before} → {recent})"


def pain_alert(
    patient_id: int, latest: PainFact, previous: PainFact | None, rules: AlertRules
) -> Alert | None:
    rise = latest.pain - previous.pain if previous is not None else 0
    if latest.pain >= rules.pain_critical:
        severity, why = AlertSeverity.CRITICAL, f"pain {latest.pain}/10"
    elif rise >= rules.pain_rise_high:
        severity, why = AlertSeverity.HIGH, f"pain up {rise} points to {latest.pain}/10"
    elif latest.pain >= rules.pain_low and rise >= rules.pain_rise_low:
        severity, why = AlertSeverity.LOW, f"pain up {rise} point to {latest.pain}/10"
    else:
        return None
    return Alert(patient_id, AlertKind.PAIN, severity, why, latest.at)


def inactivity_alert(
    patient_id: int,
    last_activity: dt.datetime | None,
    program_start: dt.datetime,
    now: dt.datetime,
    rules: AlertRules,
) -> Alert | None:
    since = last_activity if last_activity is not None else program_start
    idle = now - since
    hours = idle.total_seconds() / 3600
    span = f"{idle.days} days" if idle.days >= 3 else f"{hours:.0f} h"
    why = (  # a patient who never exercised is not told "for N days" as if one had happened
        f"no session for {span}"
        if last_activity is not None
        else f"no session yet ({span} since the program started)"
    )
    if idle >= rules.inactive_high:
        severity, why = AlertSeverity.HIGH, f"stalled: {why}"
    elif idle >= rules.inactive_low:
        severity = AlertSeverity.LOW
    else:
        return None
    return Alert(patient_id, AlertKind.INACTIVE, severity, why, since)


def rom_alert(patient_id: int, fact: RomFact, now: dt.datetime, rules: AlertRules) -> Alert | None:
    drop = -fact.change
    if math.isnan(drop):
        return None
    if drop >= rules.rom_drop_critical:
        severity = AlertSeverity.CRITICAL
    elif drop >= rules.rom_drop_high:
        severity = AlertSeverity.HIGH
    else:
        return None
    return Alert(
        patient_id,
        AlertKind.ROM_FALLING,
        severity,
        trend_words(fact),
        now,
        fact.exercise_id,
        fact.side,
    )


def adherence_alert(
    patient_id: int, done_last_week: int, per_week: int, now: dt.datetime, rules: AlertRules
) -> Alert | None:
    if per_week <= 0 or done_last_week >= rules.adherence_low * per_week:
        return None
    why = f"{done_last_week} of {per_week} sessions in the last 7 days"
    return Alert(patient_id, AlertKind.LOW_ADHERENCE, AlertSeverity.LOW, why, now)


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Most severe first, then the most recent."""
    return sorted(alerts, key=lambda a: (-a.severity.rank, -a.at.timestamp()))
