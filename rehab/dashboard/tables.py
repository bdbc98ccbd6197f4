"""Tables of reps and holds (pure: dataclasses in, pandas DataFrames out).

Each column holds one type (Arrow converts a column as a whole: a column of ints and the
word "partial" makes Streamlit log an ArrowInvalid traceback and convert it again)."""

from __future__ import annotations

import pandas as pd

from rehab.core.results import HoldResult, RepResult


def rep_table(reps: tuple[RepResult, ...], origin_ms: float) -> pd.DataFrame:
    table = pd.DataFrame(
        [
            {
                "rep": str(r.index) if r.complete else "partial",  # one type: Arrow-safe
                "side": r.side.value,
                "start s": (r.start_ms - origin_ms) / 1000,
                "peak s": (r.peak_ms - origin_ms) / 1000,
                "end s": (r.end_ms - origin_ms) / 1000,
                "peak °": r.peak_angle_deg,
                "min °": r.min_angle_deg,
                "max °": r.max_angle_deg,
                "ROM °": r.rom_deg,
                "up s": r.concentric_s,
                "down s": r.eccentric_s,
                "hold s": r.hold_s,
                "confidence": r.confidence,
                "form issues": "; ".join(i.cue for i in r.form_issues),
            }
            for r in reps
        ]
    )
    return rounded(table)


def hold_table(holds: tuple[HoldResult, ...], origin_ms: float) -> pd.DataFrame:
    table = pd.DataFrame(
        [
            {
                "side": h.side.value,
                "start s": (h.start_ms - origin_ms) / 1000,
                "held s": h.held_s,
                "mean angle °": h.mean_angle_deg,
                "complete": h.complete,
                "confidence": h.confidence,
                "form issues": "; ".join(i.cue for i in h.form_issues),
            }
            for h in holds
        ]
    )
    return rounded(table)


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Seconds to 0.01 s, degrees to 0.1°, confidence to 0.01: what a person reads."""
    digits = {c: 2 for c in table.columns if c.endswith(" s") or c == "confidence"}
    digits |= {c: 1 for c in table.columns if c.endswith("°")}
    return table.round(digits)
