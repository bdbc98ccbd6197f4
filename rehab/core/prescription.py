"""What a prescription asks for on a given day, and a measured ROM judged against it (pure).

- Progression: a prescribed amount that grows week by week from the program's start, e.g.
  10 reps "+2 a week up to 20" asks for 10 in week 1, 12 in week 2, ... 20 from week 6; a
  target ROM "+5° a week up to 110°" likewise. Week 1 is the program's first seven days.
- ROM against the prescription: a target is a floor to reach ("on target" from 10% below
  it: the same band the charts draw), a limit is a ceiling not to pass (a mini squat kept
  shallow, a knee restricted after surgery). Beyond the limit (by more than the band) is a
  caution, never praise, whatever the change since last time.

Used by the store (the prescribed figures of each session), the live summary, the pages
and the reports: one definition.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

TARGET_BAND = 0.10  # the target band: target ROM ± 10% (charts, verdicts)


def week_of(start: dt.date, day: dt.date) -> int:
    """0 in the program's first seven days, 1 in the next seven, ... (0 before the start)."""
    return max(0, (day - start).days // 7)


def progressed(
    base: float | None, step: float | None, up_to: float | None, weeks: int
) -> float | None:
    """`base` plus `step` per week, never past `up_to` (no step: `base` itself)."""
    if base is None or not step:
        return base
    value = base + step * weeks
    return min(value, up_to) if up_to is not None else value


@dataclass(frozen=True)
class Progression:
    """How an amount grows: +`step` a week, up to `up_to` (None: no cap)."""

    step: float | None = None
    up_to: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.step)

    def on(self, base: float | None, start: dt.date, day: dt.date) -> float | None:
        return progressed(base, self.step, self.up_to, week_of(start, day))

    def describe(self, unit: str) -> str:
        """'+2 reps a week, up to 20 reps' or '+5° a week, up to 110°' ('' without one)."""
        if not self.active:
            return ""
        cap = f", up to {_amount(self.up_to, unit)}" if self.up_to is not None else ""
        return f"+{_amount(self.step, unit)} a week{cap}"


def _amount(value: float | None, unit: str) -> str:
    return f"{value:g}°" if unit == "°" else f"{value:g} {unit}"


class RomVerdict(StrEnum):
    NO_GOAL = "no_goal"  # nothing prescribed to judge against (or nothing measured)
    BELOW_TARGET = "below_target"
    ON_TARGET = "on_target"
    BEYOND_LIMIT = "beyond_limit"  # a caution

    @property
    def is_caution(self) -> bool:
        return self is RomVerdict.BEYOND_LIMIT


@dataclass(frozen=True)
class RomGoal:
    """The ROM a prescription asks for: a target to reach and/or a limit not to pass."""

    target_deg: float | None = None
    limit_deg: float | None = None

    def judge(self, rom_deg: float) -> RomVerdict:
        if math.isnan(rom_deg):
            return RomVerdict.NO_GOAL
        if self.limit_deg is not None and rom_deg > self.limit_deg * (1 + TARGET_BAND):
            return RomVerdict.BEYOND_LIMIT
        if self.target_deg is None:
            return RomVerdict.NO_GOAL
        if rom_deg >= self.target_deg * (1 - TARGET_BAND):
            return RomVerdict.ON_TARGET
        return RomVerdict.BELOW_TARGET


def rom_goal(
    target_deg: float | None, limit_deg: float | None, library_limit_deg: float | None = None
) -> RomGoal:
    """The goal of a prescribed exercise: its own limit, else the library's (never below
    the prescribed target: a target above the library's limit moves the limit with it)."""
    if limit_deg is None and library_limit_deg is not None:
        limit_deg = max(library_limit_deg, target_deg or 0.0)
    return RomGoal(target_deg, limit_deg)


def rom_summary(rom_deg: float, previous_deg: float, goal: RomGoal) -> tuple[RomVerdict, str]:
    """The end-of-session words for a mean ROM: the verdict first, the change since last
    time only when it is not a caution."""
    verdict = goal.judge(rom_deg)
    if verdict is RomVerdict.NO_GOAL and math.isnan(rom_deg):
        return verdict, "—"
    shown = f"{rom_deg:.0f}°"
    if verdict is RomVerdict.BEYOND_LIMIT:
        assert goal.limit_deg is not None
        return verdict, (
            f"{shown}: beyond the {goal.limit_deg:.0f}° prescribed. "
            "Keep the movement smaller next time"
        )
    change = (
        " (first time)"
        if math.isnan(previous_deg)
        else f" ({rom_deg - previous_deg:+.0f}° vs last time)"
    )
    if verdict is RomVerdict.ON_TARGET:
        assert goal.target_deg is not None
        return verdict, f"{shown}{change}: on target ({goal.target_deg:.0f}°)"
    if verdict is RomVerdict.BELOW_TARGET:
        assert goal.target_deg is not None
        return verdict, f"{shown}{change}; the target is {goal.target_deg:.0f}°"
    return verdict, shown + change
