"""Limits that keep one client from hurting the others: connections per address, frames per
second per connection, refusals audited per address.

The address is the connection's client host as the ASGI server reports it: behind a reverse
proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>` so it is the
patient's address, not the proxy's (docs/live.md).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

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
    """A token bucket on frames: `rate_factor` x the declared frame rate, with bursts of
    `burst_s` seconds' worth (network hiccups deliver frames in clumps)."""

    def __init__(self, fps: float, rate_factor: float, burst_s: float) -> None:
        self.fps = fps
        self.rate = fps * rate_factor
        self.capacity = max(1.0, fps * burst_s)
        self._tokens = self.capacity
        self._at = time.monotonic()

    def take(self, frames: int, now: float | None = None) -> bool:
        """Spend `frames`; False when they come faster than allowed."""
        moment = time.monotonic() if now is None else now
        self._tokens = min(self.capacity, self._tokens + (moment - self._at) * self.rate)
        self._at = moment
        if frames > self._tokens:
            return False
        self._tokens -= frames
        return True
