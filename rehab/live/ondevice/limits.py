"""Limits that keep one client from hurting the others: connections per address, frames per
second per connection (judged on the device's capture times), refusals audited per address.

The address is the connection's client host as the ASGI server reports it: behind a reverse
proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>` so it is the
patient's address, not the proxy's (docs/live.md).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

import numpy as np
import numpy.typing as npt

WINDOW_S = 60.0


class ClientLimiter:
    """Connections at once and connections opened per minute, per client address."""

    def __init__(self, max_open: int, max_per_minute: int, max_audits_per_minute: int) -> None:
        self.max_open = max_open
        self.max_per_minute = max_per_minute
        self.max_audits = max_audits_per_minute
        self._open: dict[str, int] = defaultdict(int)
        self._opened: dict[str, deque[float]] = defaultdict(deque)
        self._audited: dict[str, deque[float]] = defaultdict(deque)

    @staticmethod
    def _recent(times: deque[float], now: float) -> deque[float]:
        while times and now - times[0] > WINDOW_S:
            times.popleft()
        return times

    def admit(self, client: str, now: float | None = None) -> str:
        """Count a new connection from `client`: "" when admitted, else why not."""
        moment = time.monotonic() if now is None else now
        opened = self._recent(self._opened[client], moment)
        if len(opened) >= self.max_per_minute:
            return f"more than {self.max_per_minute} connections a minute from this address"
        opened.append(moment)
        if self._open[client] >= self.max_open:
            return f"more than {self.max_open} connections at once from this address"
        self._open[client] += 1
        return ""

    def release(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]

    def may_audit(self, client: str, now: float | None = None) -> bool:
        """True for the first few refusals a minute from `client` (a flood of bad tokens must
        not turn into a flood of database writes; the rest are only logged)."""
        moment = time.monotonic() if now is None else now
        audited = self._recent(self._audited[client], moment)
        if len(audited) >= self.max_audits:
            return False
        audited.append(moment)
        return True

    def sweep(self, now: float | None = None) -> None:
        """Forget addresses with nothing recent (called now and then)."""
        moment = time.monotonic() if now is None else now
        for table in (self._opened, self._audited):
            for client in [c for c, times in table.items() if not self._recent(times, moment)]:
                del table[client]

    def open_connections(self, client: str) -> int:
        return self._open.get(client, 0)


class FrameBudget:
    """How many of a connection's frames the server works on, judged on the device's own
    capture times rather than on arrival: a server that fell behind reads the frames queued
    in its socket together, yet their capture times are still 1/fps apart.

    A token bucket fills at `rate_factor` x the declared rate per second of *device* time and
    holds `burst_s` seconds' worth; a frame without a token is dropped, not worked on. Device
    time cannot run ahead of the server's clock (the ingest checks that), so the frames worked
    on stay bounded by the server's clock whatever a client sends. Dropped frames fill a flood
    gauge that drains at the declared rate of *server* time; when it holds more than `flood_s`
    seconds' worth, the client is flooding (not a burst) and `flooding` turns True."""

    def __init__(self, fps: float, rate_factor: float, burst_s: float, flood_s: float) -> None:
        self.rate_factor, self.burst_s, self.flood_s = rate_factor, burst_s, flood_s
        self._tokens = float("inf")  # full: `declare` caps it at the capacity
        self.declare(fps)
        self._last_ms: float | None = None
        self._flood = 0.0
        self._at: float | None = None  # server time of the last batch
        self.dropped = 0

    def declare(self, fps: float) -> None:
        """A new declared rate (the page changed model); what was spent stays spent."""
        self.fps = fps
        self.rate = fps * self.rate_factor
        self.capacity = max(1.0, fps * self.burst_s)
        self.flood_capacity = max(1.0, fps * self.flood_s)
        self._tokens = min(self._tokens, self.capacity)

    def admit(
        self, t_ms: npt.NDArray[np.float64], now: float | None = None
    ) -> npt.NDArray[np.bool_]:
        """Which of these frames (capture times going forwards) to work on."""
        keep = np.ones(len(t_ms), dtype=bool)
        tokens, last_ms, rate_per_ms = self._tokens, self._last_ms, self.rate / 1000.0
        for i, t in enumerate(t_ms.tolist()):
            if last_ms is not None:
                tokens = min(self.capacity, tokens + (t - last_ms) * rate_per_ms)
            last_ms = t
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                keep[i] = False
        self._tokens, self._last_ms = tokens, last_ms
        self._note_drops(int(len(keep) - np.count_nonzero(keep)), now)
        return keep

    def _note_drops(self, dropped: int, now: float | None) -> None:
        moment = time.monotonic() if now is None else now
        elapsed_s = 0.0 if self._at is None else max(0.0, moment - self._at)
        self._flood = max(0.0, self._flood - elapsed_s * self.fps) + dropped
        self._at = moment
        self.dropped += dropped

    @property
    def flooding(self) -> bool:
        """More frames dropped lately than a burst explains: close the connection."""
        return self._flood > self.flood_capacity
