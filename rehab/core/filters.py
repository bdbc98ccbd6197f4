"""Smoothing and gap handling for angle signals.

Pure core (numpy/scipy). Two families, named apart on purpose (DESIGN convention 7):
- live, causal: `CausalMedian` (single-frame spikes out) then `OneEuroFilter`
  (`update()`/`__call__` + `reset()`), for the webcam;
- offline, zero-phase: `zero_phase_lowpass()` (Butterworth run forwards and backwards, so
  peaks keep their height and time), plus `hampel()` and `bridge_gaps()` for whole signals.

NaN always means "not visible". Short gaps are bridged (interpolated); long gaps stay NaN so
the counter pauses instead of counting through them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import numpy.typing as npt
from scipy.signal import butter, sosfiltfilt

FloatArray = npt.NDArray[np.float64]


class OneEuroFilter:
    """Casiez et al.'s One Euro filter: a low-pass whose cutoff rises with speed.

    Slow movement -> heavy smoothing (no jitter at rest); fast movement -> little lag.
    `update(t_ms, x)` returns the filtered value; NaN input returns NaN and, after a gap
    longer than `reset_after_ms`, the filter restarts from the next value.
    """

    def __init__(
        self,
        min_cutoff_hz: float = 1.0,
        beta: float = 0.05,
        d_cutoff_hz: float = 1.0,
        reset_after_ms: float = 1000.0,
    ) -> None:
        for name, value in (
            ("min_cutoff_hz", min_cutoff_hz),
            ("d_cutoff_hz", d_cutoff_hz),
            ("reset_after_ms", reset_after_ms),
        ):
            if not value > 0:
                raise ValueError(f"OneEuroFilter: {name} must be > 0, got {value}")
        if not beta >= 0:
            raise ValueError(f"OneEuroFilter: beta must be >= 0, got {beta}")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset_after_ms = reset_after_ms
        self.reset()

    def reset(self) -> None:
        self._t_ms = math.nan
        self._x = math.nan
        self._dx = 0.0

    @staticmethod
    def _alpha(cutoff_hz: float, dt_s: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt_s)

    def update(self, t_ms: float, x: float) -> float:
        if math.isnan(x):
            return math.nan
        dt_ms = t_ms - self._t_ms
        if math.isnan(self._x) or not dt_ms > 0 or dt_ms > self.reset_after_ms:
            self._t_ms, self._x, self._dx = t_ms, x, 0.0
            return x
        dt_s = dt_ms / 1000.0
        a_d = self._alpha(self.d_cutoff_hz, dt_s)
        self._dx = a_d * (x - self._x) / dt_s + (1.0 - a_d) * self._dx
        cutoff = self.min_cutoff_hz + self.beta * abs(self._dx)
        a = self._alpha(cutoff, dt_s)
        self._x = a * x + (1.0 - a) * self._x
        self._t_ms = t_ms
        return self._x

    __call__ = update


class CausalMedian:
    """Median of the last `window` samples (odd, default 3): removes single-frame spikes
    (a landmark that jumps for one frame) live, at the cost of (window - 1) / 2 frames of
    delay. NaN samples are skipped; after `reset_after_ms` without a sample it starts over."""

    def __init__(self, window: int = 3, reset_after_ms: float = 1000.0) -> None:
        if window < 1 or window % 2 == 0:
            raise ValueError(f"CausalMedian: window must be odd and >= 1, got {window}")
        if not reset_after_ms > 0:
            raise ValueError(f"CausalMedian: reset_after_ms must be > 0, got {reset_after_ms}")
        self.window = window
        self.reset_after_ms = reset_after_ms
        self.reset()

    def reset(self) -> None:
        self._values: list[float] = []
        self._t_ms = math.nan

    def update(self, t_ms: float, x: float) -> float:
        if math.isnan(x):
            return math.nan
        if not t_ms - self._t_ms <= self.reset_after_ms:
            self._values = []
        self._t_ms = t_ms
        self._values.append(x)
        if len(self._values) > self.window:
            del self._values[0]
        ordered = sorted(self._values)
        n = len(ordered)
        return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2

    __call__ = update


def hampel(x: FloatArray, window: int = 3, n_sigmas: float = 3.0) -> FloatArray:
    """Replace outliers (more than `n_sigmas` scaled MADs from the local median of
    2*window+1 samples) with that median. NaN samples are ignored and stay NaN."""
    if window < 1:
        raise ValueError(f"hampel: window must be >= 1, got {window}")
    values = np.asarray(x, dtype=np.float64)
    n = len(values)
    if n == 0:
        return values.copy()
    padded = np.pad(values, window, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * window + 1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN medians
        median = np.nanmedian(windows, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(windows - median[:, None]), axis=1)
    outlier = np.abs(values - median) > n_sigmas * np.maximum(mad, 1e-9)
    out = values.copy()
    out[outlier & np.isfinite(median)] = median[outlier & np.isfinite(median)]
    return out


def nan_runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, stop) index ranges where `mask` is True."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def bridge_gaps(t_ms: FloatArray, x: FloatArray, max_gap_ms: float) -> FloatArray:
    """Linearly interpolate NaN gaps no longer than `max_gap_ms` between two known samples.

    Longer gaps, and gaps at either end of the signal, stay NaN.
    """
    values = np.asarray(x, dtype=np.float64).copy()
    times = np.asarray(t_ms, dtype=np.float64)
    for start, stop in nan_runs(np.isnan(values)):
        if start == 0 or stop == len(values):
            continue
        if times[stop] - times[start - 1] > max_gap_ms:
            continue
        values[start:stop] = np.interp(
            times[start:stop], [times[start - 1], times[stop]], [values[start - 1], values[stop]]
        )
    return values


def zero_phase_lowpass(
    t_ms: FloatArray, x: FloatArray, cutoff_hz: float, order: int = 4
) -> FloatArray:
    """Butterworth low-pass run forwards and backwards (no lag, peaks keep their time).

    The sample rate comes from the median time step. Each run of finite samples is filtered
    on its own; NaN stays NaN; runs too short to filter are returned unchanged.
    """
    if not cutoff_hz > 0:
        raise ValueError(f"zero_phase_lowpass: cutoff_hz must be > 0, got {cutoff_hz}")
    values = np.asarray(x, dtype=np.float64)
    out = values.copy()
    times = np.asarray(t_ms, dtype=np.float64)
    if len(values) < 2:
        return out
    fs_hz = 1000.0 / float(np.median(np.diff(times)))
    if not cutoff_hz < fs_hz / 2:
        return out
    sos = butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    for start, stop in nan_runs(np.isfinite(values)):
        segment = values[start:stop]
        padlen = min(3 * (2 * len(sos) + 1), len(segment) - 1)
        if len(segment) < 4:
            continue
        out[start:stop] = sosfiltfilt(sos, segment, padlen=padlen)
    return out
