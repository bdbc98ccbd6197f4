"""A patient's check-in for a session: pain before and after (0-10), effort (RPE 0-10), a
comment; and the one rule for reading a check-in's pain (the worse of before and after).

Pure data. The live page, the live session writer and the store all use this one class.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALE_MIN, SCALE_MAX = 0, 10  # pain (NRS) and effort (Borg CR10 / RPE) are both 0-10


def worse_pain(before: int | None, after: int | None) -> int | None:
    """A check-in's pain: the worse of before and after (None when neither was given).
    The alert rules, the dashboard and the reports all read pain this way."""
    given = [p for p in (before, after) if p is not None]
    return max(given) if given else None


@dataclass(frozen=True)
class CheckInValues:
    pain_before: int | None = None
    pain_after: int | None = None
    effort_rpe: int | None = None
    comment: str = ""

    @property
    def pain(self) -> int | None:
        return worse_pain(self.pain_before, self.pain_after)

    def problem(self) -> str | None:
        """What is out of range, in words ("pain before must be 0-10 (got 11)"), or None."""
        scores = (
            ("pain before", self.pain_before),
            ("pain after", self.pain_after),
            ("effort (RPE)", self.effort_rpe),
        )
        for name, value in scores:
            if value is not None and not SCALE_MIN <= value <= SCALE_MAX:
                return f"{name} must be {SCALE_MIN}-{SCALE_MAX} (got {value})"
        return None
