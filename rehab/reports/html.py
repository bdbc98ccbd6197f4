"""The HTML report: one self-contained file (plotly.js inlined: works offline, no CDN) with
interactive charts and the same figures as the PDF."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from rehab.core.check_in import worse_pain
from rehab.display import SIDE_HEX
from rehab.reports import text
from rehab.reports.model import ExerciseSection, Report
from rehab.reports.outcomes import OUTCOME_HEADERS, outcome_rows

WEEK_MS = 7 * 24 * 3600 * 1000
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;
color:#222;font-size:14px}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:3px 10px;text-align:left;
border-bottom:1px solid #e3e3e3}th{background:#eef1f5}table.kv th{background:none;width:13em}
.note{white-space:pre-wrap;border-left:3px solid #4c72b0;padding:.3em .8em;background:#f7f9fc}
.small{font-size:.85em;color:#555}
"""


@functools.cache
def _plotly_js() -> str:
    return str(get_plotlyjs())


def render_html(report: Report) -> bytes:
    title = f"Progress report {report.patient_label} {text.period(report)}"
    parts = [_front(report)]
    if report.is_empty:
        parts.append(f"<h2>Sessions</h2><p>{escape(text.NO_SESSIONS)}</p>")
    else:
        parts.append(_adherence(report))
        parts.extend(_exercise(report, section) for section in report.exercises)
        parts.append(_pain(report))
    parts.append(_outcomes(report))
    parts.append(_closing())
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f"<script>{_plotly_js()}</script></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
    return page.encode("utf-8")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    attr = f' class="{css}"' if css else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _key_values(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def _plot(report: Report, figure: go.Figure, height_px: int = 320) -> str:
    """The figure as a <div> (plotly.js is in the page's head), over the report's period."""
    last = report.last_day + dt.timedelta(days=1)
    figure.update_xaxes(range=[report.first_day - dt.timedelta(days=1), last])
    figure.update_layout(
        height=height_px,
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
    )
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG))


def _front(report: Report) -> str:
    html = [
        "<h1>Rehabilitation progress report</h1>",
        _key_values(text.header_rows(report)),
        "<h2>Summary</h2>",
        _key_values(text.summary_rows(report)),
        _note_and_alerts(report),
    ]
    for program in report.programs:
        html.append(f"<h2>Program #{program.prescription_id}: {escape(program.title)}</h2>")
        html.append(f"<p>{escape(text.program_line(program))}</p>")
        html.append(_table(("Exercise", "Prescribed"), program.items))
    return "\n".join(html)


def _adherence(report: Report) -> str:
    weeks = [w.week_start for w in report.adherence]
    figure = go.Figure()
    figure.add_bar(
        x=weeks,
        y=[w.prescribed_done for w in report.adherence],
        name="of the program",
        marker={"color": "#4c72b0"},
        xperiod=WEEK_MS,  # a week's bar spans its week
        xperiodalignment="middle",
    )
    figure.add_scatter(
        x=weeks,
        y=[w.sessions_prescribed for w in report.adherence],
        name="due",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 18, "color": "#222"},
        xperiod=WEEK_MS,
        xperiodalignment="middle",
    )
    figure.update_layout(title="Sessions per week", yaxis_title="sessions")
    summary = f"<p>{escape(text.adherence_line(report))}</p>"
    table = _table(("Week of", "Of the program", "Due", "Adherence"), text.adherence_rows(report))
    return (
        f"<h2>Adherence</h2>{summary}{_plot(report, figure, 300)}"
        f"<details><summary>Week by week</summary>{table}</details>"
    )


def _exercise(report: Report, section: ExerciseSection) -> str:
    html = [f"<h2>{escape(section.name)}</h2>"]
    if section.prescribed:
        html.append(f"<p>Prescribed: {escape(section.prescribed)}.</p>")
    html.append(f"<p>{escape(text.volume_line(section))}</p>")
    if section.sessions == 0:
        return "\n".join(html)
    if section.rom:
        html.append(_table(text.ROM_HEADERS, text.rom_rows(section)))
        html.append(_plot(report, _rom_figure(section)))
    if section.asymmetry is not None:
        html.append(f"<p>{escape(text.asymmetry_line(section))}</p>")
    html.append(_plot(report, _volume_figure(section), 280))
    if section.form_issues:
        html.append(_table(text.FORM_HEADERS, text.form_rows(section)))
    else:
        html.append('<p class="small">No form issues recorded.</p>')
    return "\n".join(html)


def _rom_figure(section: ExerciseSection) -> go.Figure:
    figure = go.Figure()
    for series in section.rom:
        colour = SIDE_HEX[series.side]
        figure.add_scatter(
            x=list(series.dates),
            y=list(series.mean_rom_deg),
            name=f"{series.side.value} mean ROM",
            mode="lines+markers",
            line={"color": colour},
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}°<extra></extra>",
        )
    targets = {s.target_rom_deg for s in section.rom if s.target_rom_deg is not None}
    for target in sorted(targets):
        figure.add_hline(
            y=target,
            line={"dash": "dash", "color": "#555555"},
            annotation_text=f"target {text.deg(target)}",
        )
    figure.update_layout(title="Range of motion per session", yaxis_title="ROM (°)")
    return figure


def _volume_figure(section: ExerciseSection) -> go.Figure:
    volume = section.volume
    unit = "hold time (s)" if section.is_hold else "reps"
    figure = go.Figure()
    figure.add_bar(
        x=list(volume.dates), y=list(volume.done), name="done", marker={"color": "#4c72b0"}
    )
    figure.add_scatter(
        x=list(volume.dates),
        y=list(volume.prescribed),
        name="prescribed",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 14, "color": "#222"},
    )
    figure.update_layout(title=f"{unit.capitalize()} per session", yaxis_title=unit)
    return figure


def _pain(report: Report) -> str:
    if not report.check_ins:
        return "<h2>Pain and effort</h2><p>No check-ins in this period.</p>"
    stamps: list[dt.datetime] = [c.recorded_at for c in report.check_ins]
    figure = go.Figure()
    pains = [worse_pain(c.pain_before, c.pain_after) for c in report.check_ins]
    efforts = [c.effort_rpe for c in report.check_ins]
    figure.add_scatter(x=stamps, y=pains, name="pain", line={"color": "#d62728"})
    figure.add_scatter(x=stamps, y=efforts, name="effort (RPE)", line={"color": "#7f7f7f"})
    figure.update_layout(title="Pain and effort (0-10)", yaxis={"range": [-0.3, 10.3]})
    comments = [(text.day(c.recorded_at), c.comment) for c in report.check_ins if c.comment.strip()]
    listing = _table(("Date", "Patient comment"), comments) if comments else ""
    return f"<h2>Pain and effort</h2>{_plot(report, figure, 300)}{listing}"


def _outcomes(report: Report) -> str:
    if not report.outcomes:
        return ""
    html = ["<h2>Outcome measures</h2>", _table(OUTCOME_HEADERS, outcome_rows(report.outcomes))]
    for summary in report.outcomes:
        figure = go.Figure()
        figure.add_scatter(
            x=list(summary.dates), y=list(summary.scores), name=summary.name,
            mode="lines+markers", line={"color": "#7a4fb0"},
        )  # fmt: skip
        low, high = summary.score_range
        figure.add_hrect(
            y0=max(low, summary.first - summary.mcid), y1=min(high, summary.first + summary.mcid),
            fillcolor="#7a4fb0", opacity=0.10, line_width=0,
        )  # fmt: skip
        figure.update_layout(title=summary.name, yaxis={"range": [low, high]})
        html.append(_plot(report, figure, 260))
    return "\n".join(html)


def _note_and_alerts(report: Report) -> str:
    note = escape(report.therapist_note) if report.therapist_note else "<em>(none)</em>"
    html = [f'<h2>Therapist\'s note</h2><div class="note">{note}</div>']
    if report.alerts:
        items = "".join(f"<li>{escape(line)}</li>" for line in text.alert_lines(report))
        html.append(f"<h2>Alerts at the end of the period</h2><ul>{items}</ul>")
    return "\n".join(html)


def _closing() -> str:
    return f'<p class="small">{escape(text.METHOD_NOTE)}</p>'
