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
    message: str
    at: dt.datetime  # when the fact behind the alert happened (or was checked)
    exercise_id: str | None = None


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
    exercise_id: str
    side: str
    recent_mean_deg: float  # the last `rom_window`
    previous_mean_deg: float  # the window before


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
    if idle >= rules.inactive_high:
        severity = AlertSeverity.HIGH
        why = f"stalled: no session for {idle.days} days"
    elif idle >= rules.inactive_low:
        severity = AlertSeverity.LOW
        hours = idle.total_seconds() / 3600
        why = (
            f"no session for {idle.days} days"
            if idle.days >= 3
            else f"no session for {hours:.0f} h"
        )
    else:
        return None
    return Alert(patient_id, AlertKind.INACTIVE, severity, why, since)


def rom_alert(patient_id: int, fact: RomFact, now: dt.datetime, rules: AlertRules) -> Alert | None:
    before, recent = fact.previous_mean_deg, fact.recent_mean_deg
    if not (before > 0 and math.isfinite(before) and math.isfinite(recent)):
        return None
    drop = (before - recent) / before
    if drop >= rules.rom_drop_critical:
        severity = AlertSeverity.CRITICAL
    elif drop >= rules.rom_drop_high:
        severity = AlertSeverity.HIGH
    else:
        return None
    why = (
        f"{fact.exercise_id} ({fact.side}): ROM down {pct(100 * drop)} in a week "
        f"({before:.0f}° → {recent:.0f}°)"
    )
    return Alert(patient_id, AlertKind.ROM_FALLING, severity, why, now, fact.exercise_id)


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
