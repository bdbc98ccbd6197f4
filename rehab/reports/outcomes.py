"""Outcome measures in a report: per questionnaire answered in the period, the first and
latest scores, the change, whether it is clinically important (the MCID) and the
interpretation band (pure: scores and questionnaire definitions in, figures out)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rehab.core.questionnaire import Change, Questionnaire, read_change
from rehab.store import OutcomeScore

QuestionnaireLookup = Callable[[str], Questionnaire | None]


@dataclass(frozen=True)
class OutcomeSummary:
    questionnaire_id: str
    name: str  # 'Lower Extremity Functional Scale (LEFS)'
    answered: int
    dates: tuple[dt.datetime, ...]
    scores: tuple[float, ...]
    first: float
    latest: float
    change: float  # NaN with one score
    verdict: str  # 'improved', 'worse', 'no important change', 'first'
    band: str  # the latest score's interpretation band ('' when none)
    mcid: float
    score_range: tuple[float, float]
    higher_is_better: bool


def outcome_summaries(
    scores: Sequence[OutcomeScore], lookup: QuestionnaireLookup
) -> tuple[OutcomeSummary, ...]:
    """One summary per questionnaire with a score in the period (unknown ones skipped)."""
    by_id: dict[str, list[OutcomeScore]] = defaultdict(list)
    for score in scores:
        if score.score is not None:
            by_id[score.questionnaire_id].append(score)
    out = []
    for questionnaire_id, rows in by_id.items():
        found = lookup(questionnaire_id)
        if found is not None:
            out.append(_summary(found, rows))
    return tuple(out)


def _summary(q: Questionnaire, rows: list[OutcomeScore]) -> OutcomeSummary:
    values = [float(r.score) for r in rows if r.score is not None]
    reading = read_change(q, values[0] if len(values) > 1 else None, values[-1])
    return OutcomeSummary(
        questionnaire_id=q.id,
        name=f"{q.name} ({q.short_name})",
        answered=len(values),
        dates=tuple(r.completed_at for r in rows),
        scores=tuple(values),
        first=values[0],
        latest=values[-1],
        change=reading.change,
        verdict=reading.verdict.value if reading.verdict is not Change.FIRST else "first answers",
        band=reading.band,
        mcid=q.mcid.points,
        score_range=q.score_range,
        higher_is_better=q.scoring.higher_is_better,
    )


OUTCOME_HEADERS = ("Questionnaire", "Answered", "First", "Latest", "Change", "Reading", "MCID")


def outcome_rows(summaries: Sequence[OutcomeSummary]) -> list[tuple[str, ...]]:
    return [
        (
            s.name,
            str(s.answered),
            _score(s.first),
            _score(s.latest),
            "—" if math.isnan(s.change) else f"{s.change:+.1f}",
            s.verdict + (f" ({s.band})" if s.band else ""),
            f"{s.mcid:g}",
        )
        for s in summaries
    ]


def _score(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else f"{value:.0f}"
