"""Outcome-measure charts (pure plotly): a questionnaire's scores over time, with its
interpretation bands and the band of "no important change" around the first score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go

from rehab.core.questionnaire import Questionnaire
from rehab.dashboard.charts import _layout, _x
from rehab.store import OutcomeScore

BAND_COLOURS = ("#f3f6fa", "#e8eef6")
LINE = "#7a4fb0"


def outcome_figure(
    scores: Sequence[OutcomeScore], questionnaire: Questionnaire, zone: dt.tzinfo = dt.UTC
) -> go.Figure:
    """Scores per response; the first score ± MCID shaded (a change inside it is not
    clinically important); the interpretation bands labelled on the right."""
    points = [s for s in scores if s.score is not None]
    low, high = questionnaire.score_range
    shapes: list[dict[str, object]] = []
    for n, band in enumerate(questionnaire.bands):
        shapes.append(_band(band.min, band.max, BAND_COLOURS[n % 2], 1.0))
    fig = go.Figure()
    if points:
        first = float(points[0].score or 0.0)
        mcid = questionnaire.mcid.points
        shapes.append(_band(max(low, first - mcid), min(high, first + mcid), LINE, 0.10))
        fig.add_scatter(
            x=_x([p.completed_at for p in points], zone),
            y=[p.score for p in points],
            mode="lines+markers",
            name=questionnaire.short_name,
            line={"color": LINE},
        )
    labels = [_band_label(b.label, (b.min + b.max) / 2) for b in questionnaire.bands]
    fig.update_layout(shapes=shapes, annotations=labels)
    pad = (high - low) * 0.03
    fig.update_yaxes(range=[low - pad, high + pad])
    better = "higher is better" if questionnaire.scoring.higher_is_better else "lower is better"
    title = (
        f"{questionnaire.name} ({questionnaire.short_name}), {better}; "
        f"shaded: within the MCID ({questionnaire.mcid.points:g}) of the first score"
    )
    return _layout(fig, title, "score", height=300)


def _band_label(text: str, y: float) -> dict[str, object]:
    return {
        "xref": "paper", "x": 1, "xanchor": "right", "y": y, "text": text,
        "showarrow": False, "font": {"size": 11, "color": "#6b6b6b"},
    }  # fmt: skip


def _band(y0: float, y1: float, colour: str, opacity: float) -> dict[str, object]:
    return {
        "type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y0, "y1": y1,
        "fillcolor": colour, "opacity": opacity, "line": {"width": 0}, "layer": "below",
    }  # fmt: skip
