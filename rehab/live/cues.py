"""One form cue at a time, long enough to read, without flickering.

Pure core. A cue shown stays at least `min_show_ms`; a new cue waits its turn unless it is
more severe; a cue not repeated disappears `show_ms` after it was last raised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehab.core.results import Severity

_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True)
class Cue:
    text: str
    severity: Severity
    since_ms: float


class CueBoard:
    """`raise_cue()` when the engine reports a cue, `current(t_ms)` for what to show."""

    def __init__(self, min_show_ms: float = 2500.0, show_ms: float = 4000.0) -> None:
        if not 0 <= min_show_ms <= show_ms:
            raise ValueError(f"need 0 <= min_show_ms <= show_ms (got {min_show_ms}, {show_ms})")
        self.min_show_ms = min_show_ms
        self.show_ms = show_ms
        self.reset()

    def reset(self) -> None:
        self._cue: Cue | None = None
        self._last_raised_ms = math.nan

    def raise_cue(self, text: str, severity: Severity, t_ms: float) -> bool:
        """Offer a cue; True when it is now the one shown (a new cue, to be spoken)."""
        shown = self.current(t_ms)
        if shown is not None and shown.text == text:
            self._last_raised_ms = t_ms
            return False
        if shown is not None:
            young = t_ms - shown.since_ms < self.min_show_ms
            if young and _RANK[severity] <= _RANK[shown.severity]:
                return False
        self._cue = Cue(text, severity, t_ms)
        self._last_raised_ms = t_ms
        return True

    def current(self, t_ms: float) -> Cue | None:
        if self._cue is None:
            return None
        shown_for = t_ms - self._cue.since_ms
        quiet_for = t_ms - self._last_raised_ms
        if shown_for >= self.min_show_ms and quiet_for >= self.show_ms:
            self._cue = None
        return self._cue
