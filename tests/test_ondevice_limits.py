"""The frame budget on its own (no server): judged on the device's capture times, excess
frames dropped, only a sustained flood reported."""

from __future__ import annotations

import numpy as np

from rehab.live.ondevice.limits import FrameBudget


def _times(n: int, period_ms: float, start_ms: float = 0.0) -> np.ndarray:
    return start_ms + np.arange(n) * period_ms


def test_frames_captured_at_the_declared_rate_all_pass_however_they_arrive() -> None:
    budget = FrameBudget(15.0, rate_factor=3.0, burst_s=4.0, flood_s=2.0)
    # a minute of 15 fps, all of it read at one server moment (a stalled server)
    keep = budget.admit(_times(900, 1000 / 15), now=0.0)
    assert keep.all() and budget.dropped == 0 and not budget.flooding


def test_frames_beyond_the_burst_are_dropped_and_a_short_excess_is_no_flood() -> None:
    budget = FrameBudget(15.0, rate_factor=3.0, burst_s=4.0, flood_s=2.0)
    keep = budget.admit(_times(80, 0.001), now=0.0)  # 80 frames within a tenth of a ms
    assert keep[:60].all() and not keep[60:].any()
    assert budget.dropped == 20 and not budget.flooding
    # a second of device time later, frames pass again; the drops drain with server time
    assert budget.admit(_times(10, 1000 / 15, 1000.0), now=1.0).all()
    assert budget.dropped == 20 and not budget.flooding


def test_a_sustained_flood_is_reported_and_work_stays_bounded() -> None:
    budget = FrameBudget(15.0, rate_factor=3.0, burst_s=4.0, flood_s=2.0)
    worked = 0
    for second in range(3):  # ten times the declared rate, in real time
        keep = budget.admit(_times(150, 1000 / 150, second * 1000.0 + 1.0), now=float(second))
        worked += int(np.count_nonzero(keep))
    assert budget.flooding
    assert worked <= 60 + 45 * 3  # the burst plus 3x the declared rate, whatever was sent


def test_a_new_declared_rate_keeps_what_was_spent() -> None:
    budget = FrameBudget(30.0, rate_factor=3.0, burst_s=4.0, flood_s=2.0)
    assert budget.admit(_times(120, 0.001), now=0.0).all()  # the whole burst of 30 fps
    budget.declare(15.0)  # the page switched to the lite model
    assert not budget.admit(_times(1, 1.0, 1.0), now=0.0).any()  # no fresh burst
