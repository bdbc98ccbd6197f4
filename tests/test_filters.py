"""Smoothing and gaps: One Euro (live), zero-phase Butterworth (offline), Hampel, bridging."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rehab.core.filters import (
    CausalMedian,
    OneEuroFilter,
    bridge_gaps,
    hampel,
    nan_runs,
    zero_phase_lowpass,
)

FPS = 30.0


def _t(n: int) -> np.ndarray:
    return np.arange(n) * 1000.0 / FPS


def test_one_euro_passes_a_constant_and_smooths_noise() -> None:
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0)
    assert [f.update(t, 42.0) for t in _t(20)] == pytest.approx([42.0] * 20)
    f.reset()
    noisy = 90 + rng.normal(0, 3, 300)
    out = np.array([f.update(t, x) for t, x in zip(_t(300), noisy, strict=True)])
    assert np.std(out[30:]) < np.std(noisy[30:]) / 3


def test_one_euro_follows_fast_movement_with_beta() -> None:
    t = _t(90)
    ramp = np.linspace(0, 120, 90)  # 120 deg in 3 s
    slow = OneEuroFilter(1.0, beta=0.0)
    fast = OneEuroFilter(1.0, beta=0.05)
    lag_slow = ramp[-1] - [slow.update(a, b) for a, b in zip(t, ramp, strict=True)][-1]
    lag_fast = ramp[-1] - [fast.update(a, b) for a, b in zip(t, ramp, strict=True)][-1]
    assert 0 < lag_fast < lag_slow


def test_one_euro_nan_and_long_gap_restart() -> None:
    f = OneEuroFilter(1.0, 0.0, reset_after_ms=500)
    f.update(0, 10.0)
    f.update(33, 10.0)
    assert math.isnan(f.update(66, math.nan))
    assert f.update(2000, 80.0) == 80.0  # after a long gap: restarts at the new value
    assert f.update(2033, 80.0) == pytest.approx(80.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_cutoff_hz": 0}, {"beta": -1}, {"d_cutoff_hz": -2}, {"reset_after_ms": 0}],
)
def test_one_euro_rejects_bad_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        OneEuroFilter(**kwargs)


def test_hampel_removes_a_spike_and_keeps_nan() -> None:
    x = np.full(40, 100.0) + np.sin(np.arange(40) / 5)
    x[20] = 170.0
    x[5] = np.nan
    out = hampel(x)
    assert out[20] == pytest.approx(100 + np.sin(4), abs=1.0)
    assert math.isnan(out[5])
    np.testing.assert_allclose(np.delete(out, [5, 20]), np.delete(x, [5, 20]))


def test_bridge_gaps_short_only() -> None:
    t = _t(30)
    x = np.linspace(0, 29, 30)
    x[5:8] = np.nan  # 4 frame steps = 133 ms
    x[15:27] = np.nan  # 13 steps = 433 ms
    out = bridge_gaps(t, x, max_gap_ms=200)
    np.testing.assert_allclose(out[5:8], [5, 6, 7])
    assert np.isnan(out[15:27]).all()
    start_gap = np.r_[np.nan, np.nan, x[2:]]
    assert np.isnan(bridge_gaps(t, start_gap, 1000)[:2]).all()  # no edge extrapolation


def test_zero_phase_keeps_peak_time_and_height() -> None:
    t = _t(300)
    clean = 60 + 50 * np.sin(2 * np.pi * 0.4 * t / 1000)
    noisy = clean + np.random.default_rng(1).normal(0, 4, len(t))
    out = zero_phase_lowpass(t, noisy, cutoff_hz=3.0)
    assert np.abs(out - clean).max() < 6
    peak_in, peak_out = np.argmax(clean[:75]), np.argmax(out[:75])
    assert abs(int(peak_in) - int(peak_out)) <= 2  # no lag
    causal = OneEuroFilter(1.0, 0.05)
    live = np.array([causal.update(a, b) for a, b in zip(t, noisy, strict=True)])
    assert np.argmax(live[:75]) > peak_out  # the causal filter lags; offline does not


def test_zero_phase_filters_runs_apart_and_keeps_nan() -> None:
    t = _t(200)
    x = np.full(200, 50.0)
    x[90:110] = np.nan
    x[:3] = [10, 20, 30]
    out = zero_phase_lowpass(t, x, 3.0)
    assert np.isnan(out[90:110]).all()
    np.testing.assert_allclose(out[120:], 50.0)
    with pytest.raises(ValueError):
        zero_phase_lowpass(t, x, 0.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-720, 720), st.just(math.nan)), min_size=0, max_size=80))
def test_filters_never_raise_on_nan(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64)
    t = _t(len(x))
    for out in (hampel(x), bridge_gaps(t, x, 300), zero_phase_lowpass(t, x, 3.0)):
        assert out.shape == x.shape
        assert np.array_equal(np.isnan(out), np.isnan(out))
    f = OneEuroFilter()
    for a, b in zip(t, x, strict=True):
        f.update(float(a), float(b))


def test_nan_runs() -> None:
    assert nan_runs(np.array([True, True, False, True])) == [(0, 2), (3, 4)]
    assert nan_runs(np.array([], dtype=bool)) == []


def test_causal_median_removes_single_frame_spikes() -> None:
    med = CausalMedian(3)
    x = [10.0, 10.0, 150.0, 10.0, 11.0, math.nan, 12.0]
    out = [med.update(i * 33.0, v) for i, v in enumerate(x)]
    assert out[2] == 10.0  # the spike never gets through
    assert math.isnan(out[5])
    assert out[6] == 11.0
    assert med.update(5000, 90.0) == 90.0  # after a long gap: starts over
    with pytest.raises(ValueError):
        CausalMedian(2)
