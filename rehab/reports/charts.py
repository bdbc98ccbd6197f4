"""Static charts for the PDF (matplotlib, Agg, no pyplot: safe in the dashboard's threads)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from rehab.core.check_in import worse_pain
from rehab.display import SIDE_HEX
from rehab.reports.model import ExerciseSection, Report
from rehab.reports.outcomes import OutcomeSummary

DPI = 150
DONE_COLOUR, PRESCRIBED_COLOUR, GRID = "#4c72b0", "#222222", "#dddddd"
ADHERENCE_SIZE_IN = (7.0, 1.9)
EXERCISE_SIZE_IN = (7.0, 2.2)
PAIN_SIZE_IN = (7.0, 1.9)
OUTCOME_SIZE_IN = (7.0, 1.8)
MAX_BARS = 40  # sessions per chart drawn as bars; more are drawn as dots


def _png(figure: Figure) -> Image.Image:
    """The figure as an RGB image (no PNG encode here and decode in fpdf2: half the time)."""
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")  # type: ignore[no-untyped-call]


def _figure(width_in: float, height_in: float, panels: int = 1) -> tuple[Figure, list[Axes]]:
    """Fixed margins (constrained layout would cost a third of the report's time)."""
    figure = Figure(figsize=(width_in, height_in))
    figure.subplots_adjust(
        left=0.6 / width_in,
        right=0.98,
        bottom=0.35 / height_in,
        top=1 - 0.42 / height_in,
        wspace=0.18,
    )
    axes = [figure.add_subplot(1, panels, n + 1) for n in range(panels)]
    for ax in axes:
        ax.grid(True, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=7)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    return figure, axes


def _dates_axis(ax: Axes, first: dt.date, last: dt.date, max_ticks: int = 7) -> None:
    """Date ticks over the report's period (not the data's): every chart shares the axis.
    Ticks are computed here (Mondays, or month starts): AutoDateLocator costs a tenth of a
    second a chart."""
    margin = dt.timedelta(hours=12)  # room for a bar on the first or the last day
    ax.set_xlim(_stamp(first) - margin, _stamp(last + dt.timedelta(days=1)) + margin)  # type: ignore[arg-type]
    long = (last - first).days > 120
    days = _month_starts(first, last) if long else _mondays(first, last)
    step = max(1, math.ceil(len(days) / max_ticks))
    ticks = days[::step]
    ax.set_xticks(
        [float(mdates.date2num(_stamp(d))) for d in ticks],  # type: ignore[no-untyped-call]
        [f"{d:%b %Y}" if long else f"{d:%d %b}" for d in ticks],
    )


def _mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    monday = first + dt.timedelta(days=-first.weekday() % 7)
    return [monday + dt.timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    year, month = first.year, first.month + (first.day > 1)
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = dt.date(year, month, 1)
        if day > last:
            return months
        months.append(day)
        month += 1


def _title(ax: Axes, words: str) -> None:
    """A title at the top left (ax.set_title re-measures the ticks on every draw)."""
    ax.text(0.0, 1.04, words, transform=ax.transAxes, fontsize=8, va="bottom", ha="left")


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _legend(ax: Axes) -> None:
    """Above the plot, on the right (the title sits on the left)."""
    ax.legend(
        fontsize=6.5,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=4,
        frameon=False,
        borderaxespad=0.1,
        handlelength=1.5,
    )


def _bars(
    ax: Axes,
    stamps: Sequence[dt.datetime],
    heights: Sequence[float],
    width_days: float,
    offset_days: float,
) -> None:
    """Bars as one PolyCollection: ax.bar makes one patch per bar, 10x slower for a year."""
    lefts = [float(mdates.date2num(t)) + offset_days for t in stamps]  # type: ignore[no-untyped-call]
    boxes = [
        [(x, 0.0), (x, h), (x + width_days, h), (x + width_days, 0.0)]
        for x, h in zip(lefts, heights, strict=True)
    ]
    ax.add_collection(PolyCollection(boxes, facecolors=DONE_COLOUR, linewidths=0, label="done"))
    ax.xaxis_date()


def adherence_chart(report: Report) -> Image.Image:
    """The program's sessions done per week (bars) against those due (black ticks)."""
    figure, (ax,) = _figure(*ADHERENCE_SIZE_IN)
    weeks = [_stamp(w.week_start) for w in report.adherence]
    done = [w.prescribed_done for w in report.adherence]  # the program's sessions
    wanted = [w.sessions_prescribed for w in report.adherence]
    _bars(ax, weeks, done, width_days=5.0, offset_days=0.0)
    ax.scatter(
        [w + dt.timedelta(days=2.5) for w in weeks],  # type: ignore[arg-type]
        wanted,
        marker="_",
        s=60,
        color=PRESCRIBED_COLOUR,
        label="prescribed",
        zorder=3,
    )
    _title(ax, "Sessions per week")
    ax.set_ylim(0, max([*done, *wanted, 1]) + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)
    _dates_axis(ax, report.first_day, report.last_day)
    return _png(figure)


def exercise_chart(report: Report, section: ExerciseSection) -> Image.Image:
    """ROM per session against the target (left) and volume against the prescription."""
    panels = 2 if section.rom else 1
    figure, axes = _figure(*EXERCISE_SIZE_IN, panels=panels)
    if section.rom:
        _rom_panel(axes[0], section)
    _volume_panel(axes[-1], section)
    for ax in axes:
        _dates_axis(ax, report.first_day, report.last_day, max_ticks=7 if panels == 1 else 4)
    return _png(figure)


def _rom_panel(ax: Axes, section: ExerciseSection) -> None:
    for series in section.rom:
        colour = SIDE_HEX[series.side]
        ax.plot(
            series.dates,  # type: ignore[arg-type]
            series.mean_rom_deg,
            marker="o",
            markersize=2.5,
            linewidth=1.2,
            color=colour,
            label=series.side.value,
        )
        if series.target_rom_deg is not None:
            ax.axhline(series.target_rom_deg, color=colour, linestyle="--", linewidth=0.9)
    if any(s.target_rom_deg is not None for s in section.rom):
        ax.plot([], [], color="#555555", linestyle="--", linewidth=0.9, label="target")
    _title(ax, "ROM per session (°)")
    _legend(ax)


def _volume_panel(ax: Axes, section: ExerciseSection) -> None:
    volume = section.volume
    title = "Hold time per session (s)" if section.is_hold else "Reps per session"
    wanted = [(d, w) for d, w in zip(volume.dates, volume.prescribed, strict=True) if w is not None]
    if len(volume.dates) <= MAX_BARS:
        _bars(ax, volume.dates, volume.done, width_days=0.8, offset_days=-0.4)
    else:  # a year of bars is a barcode: dots against a prescription line read better
        ax.plot(volume.dates, volume.done, "o", markersize=2, color=DONE_COLOUR, label="done")  # type: ignore[arg-type]
    if wanted:
        xs, ys = zip(*wanted, strict=True)
        if len(volume.dates) <= MAX_BARS:
            ax.scatter(
                xs, ys, marker="_", s=40, color=PRESCRIBED_COLOUR, label="prescribed", zorder=3
            )  # type: ignore[arg-type]
        else:
            ax.step(
                xs,
                ys,
                where="post",
                color=PRESCRIBED_COLOUR,
                linestyle="--",
                linewidth=0.9,
                label="prescribed",
            )  # type: ignore[arg-type]
    _title(ax, title)
    ax.set_ylim(0, max([*volume.done, *(w for _, w in wanted), 1]) * 1.1)
    _legend(ax)


def pain_chart(report: Report) -> Image.Image:
    """Pain (the worse of before/after) and effort at each check-in, 0-10."""
    figure, (ax,) = _figure(*PAIN_SIZE_IN)
    points = report.check_ins
    stamps = [c.recorded_at for c in points]
    _line(ax, stamps, [worse_pain(c.pain_before, c.pain_after) for c in points], "pain", "#d62728")
    _line(ax, stamps, [c.effort_rpe for c in points], "effort (RPE)", "#7f7f7f")
    ax.set_ylim(-0.3, 10.3)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _title(ax, "Pain and effort (0-10)")
    _legend(ax)
    _dates_axis(ax, report.first_day, report.last_day)
    return _png(figure)


def _line(
    ax: Axes, stamps: Sequence[dt.datetime], values: Sequence[int | None], label: str, colour: str
) -> None:
    kept = [(t, v) for t, v in zip(stamps, values, strict=True) if v is not None]
    if kept:
        xs, ys = zip(*kept, strict=True)
        ax.plot(xs, ys, marker="o", markersize=2.5, linewidth=1.1, color=colour, label=label)  # type: ignore[arg-type]


def outcome_chart(report: Report, summary: OutcomeSummary) -> Image.Image:
    """A questionnaire's scores over the period; shaded: within the MCID of the first."""
    figure, (ax,) = _figure(*OUTCOME_SIZE_IN)
    low, high = summary.score_range
    first = summary.first
    ax.axhspan(max(low, first - summary.mcid), min(high, first + summary.mcid),
               color="#7a4fb0", alpha=0.10, linewidth=0)  # fmt: skip
    ax.plot(list(summary.dates), list(summary.scores), marker="o", markersize=3,  # type: ignore[arg-type]
            linewidth=1.2, color="#7a4fb0", label=summary.name)  # fmt: skip
    pad = (high - low) * 0.04
    ax.set_ylim(low - pad, high + pad)
    better = "higher is better" if summary.higher_is_better else "lower is better"
    _title(ax, f"{summary.name}, {better}; shaded: within the MCID ({summary.mcid:g})")
    _dates_axis(ax, report.first_day, report.last_day)
    return _png(figure)


def height_mm(size_in: tuple[float, float], width_mm: float) -> float:
    return width_mm * size_in[1] / size_in[0]
