"""Charts over the weeks of a program (pure plotly, like `charts`): the adherence calendar
(clinic days, sessions by source, due and credited) and pain and effort per check-in."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go

from rehab.clinic_time import local_day
from rehab.dashboard.charts import WEEKDAYS, _layout, _x
from rehab.domain import source_label
from rehab.store.queries import CheckInPoint, SessionSummary, WeekAdherence, adherence_ratio


def adherence_calendar(
    sessions: Sequence[SessionSummary], weeks: Sequence[WeekAdherence], zone: dt.tzinfo = dt.UTC
) -> go.Figure:
    """Weeks across, weekdays down (clinic days): sessions done each day; each week's
    sessions by source, the program's sessions credited and what was due."""
    done: dict[dt.date, int] = defaultdict(int)
    for s in sessions:
        if s.status in ("completed", "interrupted"):
            done[local_day(s.started_at, zone)] += 1
    mondays = [w.week_start for w in weeks]
    z = [[done.get(m + dt.timedelta(days=d), 0) for m in mondays] for d in range(7)]
    labels = [f"{m.day} {m:%b %Y}" for m in mondays]
    week_text = [_week_text(w) for w in weeks]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=WEEKDAYS,
            customdata=[week_text] * 7,
            colorscale=[[0, "#eef1f5"], [0.01, "#b7e1c4"], [1, "#1f7a44"]],
            zmin=0,
            zmax=max(2, max((max(row) for row in z), default=0)),
            xgap=3,
            ygap=3,
            showscale=False,
            hovertemplate=(
                "%{y}, week of %{x}: %{z} session(s)<br>that week: %{customdata}<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(autorange="reversed")
    step = max(1, math.ceil(len(labels) / 12))  # at most 12 week labels
    fig.update_xaxes(
        type="category", tickvals=labels[::step], ticktext=[t[:-5] for t in labels[::step]]
    )
    done_total = sum(w.prescribed_done for w in weeks)
    wanted = sum(w.due for w in weeks)
    share = adherence_ratio(weeks)
    title = (
        f"Adherence {share:.0%}: sessions each day ({done_total} of the program done, "
        f"{wanted:.0f} due, capped per week)"
        if share is not None
        else "Sessions each day"
    )
    fig = _layout(fig, title, "", 300)
    fig.update_layout(hovermode="closest")
    return fig


def _week_text(week: WeekAdherence) -> str:
    sources = ", ".join(f"{source_label(k)} {n}" for k, n in week.by_source) or "none"
    return (
        f"{week.sessions_done} done ({sources}); {week.prescribed_done} of the program, "
        f"{week.sessions_prescribed} due"
    )


def pain_effort_figure(points: Sequence[CheckInPoint], zone: dt.tzinfo = dt.UTC) -> go.Figure:
    """Pain before/after and effort per check-in; a value not given is a gap (never 0), a
    skipped check-in a grey mark on the axis."""
    x = _x([p.recorded_at for p in points], zone)
    fig = go.Figure()
    series = (
        ("pain before", [p.pain_before for p in points], "#e0a100", "dot"),
        ("pain after", [p.pain_after for p in points], "#d62728", "solid"),
        ("effort (RPE)", [p.effort_rpe for p in points], "#6b6b6b", "dash"),
    )
    for name, y, colour, dash in series:
        fig.add_scatter(
            x=x, y=y, name=name, mode="lines+markers", line={"color": colour, "dash": dash}
        )
    skipped = [t for t, p in zip(x, points, strict=True) if p.skipped]
    if skipped:
        fig.add_scatter(
            x=skipped, y=[-0.3] * len(skipped), name="check-in skipped", mode="markers",
            marker={"symbol": "x-thin-open", "size": 10, "color": "#8a8a8a"},
        )  # fmt: skip
    fig.add_hrect(y0=7, y1=10, fillcolor="#d62728", opacity=0.07, line_width=0)
    fig.update_yaxes(range=[-0.6, 10.3])
    fig = _layout(fig, "Pain and effort (0-10)", "score")
    fig.update_layout(  # four series: the legend goes under the chart, clear of the title
        legend={"orientation": "h", "y": -0.28, "x": 0, "xanchor": "left", "yanchor": "top"},
        margin={"b": 90},  # below the axis's year label
    )
    return fig
