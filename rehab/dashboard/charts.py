"""plotly figures built from the store's dataclasses (pure: no Streamlit, no database).

Sides have the colours of `rehab.display` (the skeleton's): the patient's left orange, the
right blue.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from rehab.clinic_time import local
from rehab.core.exercise import Exercise
from rehab.core.landmarks import POSE_CONNECTIONS, Joint, LandmarkStream
from rehab.core.prescription import TARGET_BAND
from rehab.core.results import RepResult, Side, asymmetry_pct
from rehab.display import SIDE_HEX, joint_side
from rehab.store.queries import (
    FormIssueCount,
    RomPoint,
    VolumePoint,
)

FloatArray = npt.NDArray[np.float64]
TARGET_COLOUR = "#2e9e5b"
MIDLINE_COLOUR = "#888888"  # the nose, on a white chart
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HEIGHT = 320
DAY_MS = 86_400_000
BAR_MS = DAY_MS * 0.8  # a session's bar on a date axis


def _x(stamps: Sequence[dt.datetime], zone: dt.tzinfo) -> list[dt.datetime]:
    """Timestamps as the clinic's wall-clock times (plotly draws naive times as given)."""
    return [local(t, zone).replace(tzinfo=None) for t in stamps]


def _layout(fig: go.Figure, title: str, y_title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height,
        margin={"l": 50, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        yaxis_title=y_title,
        hovermode="x unified",
    )
    return fig


def rom_figure(
    points: Sequence[RomPoint], title: str, target_deg: float | None, zone: dt.tzinfo = dt.UTC
) -> go.Figure:
    """Mean ROM per session (line) and best rep (dots), per side, against the target band."""
    fig = go.Figure()
    if target_deg is not None:
        low, high = target_deg * (1 - TARGET_BAND), target_deg * (1 + TARGET_BAND)
        fig.add_hrect(y0=low, y1=high, fillcolor=TARGET_COLOUR, opacity=0.12, line_width=0)
        fig.add_hline(
            y=target_deg,
            line={"color": TARGET_COLOUR, "dash": "dash"},
            annotation_text=f"target {target_deg:.0f}°",
            annotation_position="top left",
        )
    by_side: dict[Side, list[RomPoint]] = defaultdict(list)
    for point in points:
        by_side[point.side].append(point)
    for side, rows in sorted(by_side.items()):
        colour = SIDE_HEX[side]
        x = _x([r.started_at for r in rows], zone)
        fig.add_scatter(
            x=x,
            y=[r.mean_rom_deg for r in rows],
            mode="lines+markers",
            name=f"{side.value}: mean ROM",
            line={"color": colour},
        )
        fig.add_scatter(
            x=x,
            y=[r.max_rom_deg for r in rows],
            mode="markers",
            name=f"{side.value}: best rep",
            marker={"color": colour, "symbol": "triangle-up", "size": 7, "opacity": 0.6},
        )
    return _layout(fig, title, "ROM (°)")


def volume_figure(
    points: Sequence[VolumePoint], title: str, zone: dt.tzinfo = dt.UTC, holds: bool = False
) -> go.Figure:
    """Reps (or, for a hold exercise, seconds held) done per session against what was
    prescribed that day (per side: VolumePoint counts like rehab.core.results.done_each_side)."""
    x = _x([p.started_at for p in points], zone)
    fig = go.Figure()
    if holds:
        fig.add_bar(x=x, y=[p.hold_s_done for p in points], name="held (s)",
                    marker_color="#5b7fbd", width=BAR_MS)  # fmt: skip
        wanted = [p.hold_s_prescribed for p in points]
        unit = "seconds held"
    else:
        fig.add_bar(x=x, y=[p.reps_done for p in points], name="reps",
                    marker_color="#5b7fbd", width=BAR_MS)  # fmt: skip
        fig.add_bar(x=x, y=[p.partial_reps for p in points], name="partial reps",
                    marker_color="#c9d3e6", width=BAR_MS)  # fmt: skip
        wanted = [p.reps_prescribed for p in points]
        unit = "reps"
    fig.add_scatter(
        x=x,
        y=wanted,
        mode="markers",
        name="prescribed",
        marker={
            "symbol": "line-ew-open",
            "size": 16,
            "color": TARGET_COLOUR,
            "line": {"width": 3, "color": TARGET_COLOUR},
        },
    )
    fig.update_layout(barmode="stack")
    return _layout(fig, title, unit)


def asymmetry_figure(
    points: Sequence[RomPoint], title: str, zone: dt.tzinfo = dt.UTC
) -> go.Figure | None:
    """Left/right ROM difference (% of the larger side) per session; None with one side."""
    sides: dict[int, dict[Side, RomPoint]] = defaultdict(dict)
    for point in points:
        sides[point.session_id][point.side] = point
    pairs = [s for s in sides.values() if Side.LEFT in s and Side.RIGHT in s]
    if not pairs:
        return None
    x = _x([p[Side.LEFT].started_at for p in pairs], zone)
    y = [asymmetry_pct(p[Side.LEFT].mean_rom_deg, p[Side.RIGHT].mean_rom_deg) for p in pairs]
    fig = go.Figure()
    fig.add_hrect(y0=0, y1=10, fillcolor=TARGET_COLOUR, opacity=0.08, line_width=0)
    fig.add_scatter(x=x, y=y, mode="lines+markers", name="asymmetry", line={"color": "#7a4fb0"})
    return _layout(fig, title, "left/right difference (%)", height=260)


def form_issues_figure(
    counts: Sequence[FormIssueCount], names: dict[str, str], zone: dt.tzinfo = dt.UTC
) -> go.Figure:
    """Form issues per session, stacked by rule."""
    by_rule: dict[str, list[FormIssueCount]] = defaultdict(list)
    for c in counts:
        by_rule[c.rule_id].append(c)
    sessions = sorted({(c.started_at, c.session_id) for c in counts})
    label = _session_labels(sessions, zone)
    fig = go.Figure()
    for _rule, rows in sorted(by_rule.items()):
        first = rows[0]
        fig.add_bar(
            x=[label[r.session_id] for r in rows],
            y=[r.count for r in rows],
            name=f"{first.cue} ({names.get(first.exercise_id, first.exercise_id)})",
            hovertext=[r.cue for r in rows],
        )
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[label[sid] for _, sid in sessions])  # fmt: skip
    fig.update_yaxes(dtick=1, rangemode="tozero")
    return _layout(fig, "Form issues per session, by type", "issues")


def _session_labels(sessions: Sequence[tuple[dt.datetime, int]], zone: dt.tzinfo) -> dict[int, str]:
    """'4 Nov' per session (clinic days); the time is added where two sessions share a day."""
    days = [f"{local(at, zone):%d %b}" for at, _ in sessions]
    return {
        sid: day if days.count(day) == 1 else f"{day} {local(at, zone):%H:%M}"
        for (at, sid), day in zip(sessions, days, strict=True)
    }


def angle_trace_figure(
    t_s: Sequence[float] | FloatArray,
    angles: Mapping[Side, Sequence[float] | FloatArray],
    reps: Sequence[RepResult],
    exercise: Exercise | None,
    origin_ms: float,
    title: str,
) -> go.Figure:
    """The angle over time, each rep's span shaded, the rest and peak zones as bands.

    Shapes are set in one layout update (plotly's add_vrect re-validates every shape on
    each call: a second for a set of 10 reps)."""
    fig = go.Figure()
    shapes, notes = _zone_shapes(exercise)
    for rep in reps:
        shapes.append(
            _band("x", (rep.start_ms - origin_ms) / 1000, (rep.end_ms - origin_ms) / 1000,
                  "#5b7fbd" if rep.complete else "#bbbbbb")
        )  # fmt: skip
    for side, values in angles.items():
        fig.add_scatter(
            x=list(t_s), y=list(values), name=f"{side.value} angle", mode="lines",
            line={"color": SIDE_HEX[side]},
        )  # fmt: skip
    _rep_marks(fig, reps, origin_ms)
    fig.update_layout(shapes=shapes, annotations=notes)
    fig = _layout(fig, title, "angle (°)", height=340)
    fig.update_xaxes(title="time (s)")
    fig.update_yaxes(range=_angle_range(angles, exercise))
    return fig


def _angle_range(
    angles: Mapping[Side, Sequence[float] | FloatArray], exercise: Exercise | None
) -> list[float] | None:
    """The measured angles and the zone edges, 10° of margin: open-ended zones (up to 180°)
    must not squash the trace."""
    values = [np.asarray(v, dtype=np.float64) for v in angles.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    edges = []
    if exercise is not None:
        zones = (
            [exercise.hold.zone] if exercise.hold is not None else [exercise.rest, exercise.peak]
        )
        edges = [e for z in zones if z is not None for e in (z.min_deg, z.max_deg) if e is not None]
    points = [*finite.tolist(), *edges]
    if not points:
        return None
    return [min(points) - 10.0, max(points) + 10.0]


def _band(
    axis: str, low: float, high: float, colour: str, opacity: float = 0.10
) -> dict[str, object]:
    """A shaded band across the plot: `axis` "x" (a time span) or "y" (an angle range)."""
    other = "y" if axis == "x" else "x"
    return {
        "type": "rect", "layer": "below", "line": {"width": 0}, "fillcolor": colour,
        "opacity": opacity, f"{axis}ref": axis, f"{other}ref": f"{other} domain",
        f"{axis}0": low, f"{axis}1": high, f"{other}0": 0, f"{other}1": 1,
    }  # fmt: skip


def _zone_shapes(
    exercise: Exercise | None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rest and peak (or hold) zones as horizontal bands, with their labels."""
    if exercise is None:
        return [], []
    zones = [("rest", exercise.rest, "#9aa5b1"), ("peak", exercise.peak, TARGET_COLOUR)]
    if exercise.hold is not None:
        zones = [("hold", exercise.hold.zone, TARGET_COLOUR)]
    shapes, notes = [], []
    for label, zone, colour in zones:
        if zone is None:
            continue
        low = zone.min_deg if zone.min_deg is not None else 0.0
        high = zone.max_deg if zone.max_deg is not None else 180.0
        shapes.append(_band("y", low, high, colour))
        notes.append({
            "text": f"{label} zone", "xref": "x domain", "yref": "y", "x": 1, "y": high,
            "xanchor": "right", "yanchor": "top", "showarrow": False,
            "font": {"size": 10, "color": "#666"},
        })  # fmt: skip
    return shapes, notes


def _rep_marks(fig: go.Figure, reps: Sequence[RepResult], origin_ms: float) -> None:
    done = [r for r in reps if r.complete]
    if not done:
        return
    fig.add_scatter(
        x=[(r.peak_ms - origin_ms) / 1000 for r in done],
        y=[r.peak_angle_deg for r in done],
        text=[f"{r.index}" for r in done],
        mode="markers+text",
        textposition="top center",
        name="rep peaks",
        marker={"color": "#222", "size": 7},
    )


def rep_outline(reps: Sequence[RepResult], rising: bool) -> tuple[list[float], list[float]]:
    """Without a stored stream: each rep drawn from rest to its peak and back (from the rep's
    own min/max/peak angles), NaN between reps so the line breaks."""
    t_ms: list[float] = []
    angle: list[float] = []
    for rep in reps:
        rest = rep.min_angle_deg if rising else rep.max_angle_deg
        t_ms += [rep.start_ms, rep.peak_ms, rep.end_ms, math.nan]
        angle += [rest, rep.peak_angle_deg, rest, math.nan]
    return t_ms, angle


# -- skeletons ---------------------------------------------------------------------------------

# A person standing, facing the camera, arms by the sides (metres, y up; their left = x > 0).
_STANDING: dict[str, tuple[float, float]] = {
    "NOSE": (0.0, 1.62), "LEFT_EYE_INNER": (0.015, 1.65), "LEFT_EYE": (0.03, 1.655),
    "LEFT_EYE_OUTER": (0.045, 1.65), "LEFT_EAR": (0.075, 1.62), "MOUTH_LEFT": (0.025, 1.575),
    "LEFT_SHOULDER": (0.19, 1.42), "LEFT_ELBOW": (0.25, 1.14), "LEFT_WRIST": (0.28, 0.88),
    "LEFT_PINKY": (0.295, 0.81), "LEFT_INDEX": (0.28, 0.80), "LEFT_THUMB": (0.26, 0.83),
    "LEFT_HIP": (0.11, 0.95), "LEFT_KNEE": (0.12, 0.52), "LEFT_ANKLE": (0.12, 0.09),
    "LEFT_HEEL": (0.11, 0.04), "LEFT_FOOT_INDEX": (0.17, 0.01),
}  # fmt: skip


def standing_pose() -> FloatArray:
    """(33, 2) x, y of the standing figure (right side mirrored from the left)."""
    xy = np.zeros((len(Joint), 2))
    for joint in Joint:
        name = joint.name
        if name in _STANDING:
            xy[joint] = _STANDING[name]
        else:
            x, y = _STANDING[joint.mirrored.name]
            xy[joint] = (-x, y)
    return xy


def _bones(xy: FloatArray) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for a, b in POSE_CONNECTIONS:
        xs += [float(xy[a, 0]), float(xy[b, 0]), math.nan]
        ys += [float(xy[a, 1]), float(xy[b, 1]), math.nan]
    return xs, ys


def _joint_colours() -> list[str]:
    sides = [joint_side(j) for j in Joint]
    return [MIDLINE_COLOUR if side is None else SIDE_HEX[side] for side in sides]


def exercise_skeleton(exercise: Exercise, side: Side = Side.LEFT) -> go.Figure:
    """The standing figure with the measured angle's joints and segments drawn over it."""
    xy = standing_pose()
    fig = go.Figure()
    bx, by = _bones(xy)
    fig.add_scatter(x=bx, y=by, mode="lines", line={"color": "#c8ccd2", "width": 4},
                    hoverinfo="skip", name="skeleton")  # fmt: skip
    fig.add_scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", marker={"color": _joint_colours(), "size": 6},
        text=[j.name for j in Joint], hoverinfo="text", name="landmarks",
    )  # fmt: skip
    joints = exercise.angle.point_joints(side)
    path = xy[list(joints)]
    fig.add_scatter(
        x=path[:, 0], y=path[:, 1], mode="lines+markers+text",
        line={"color": "#d62728", "width": 6}, marker={"size": 13, "color": "#d62728"},
        text=[j.name.replace("_", " ").lower() for j in joints], textposition="middle right",
        name="measured angle",
    )  # fmt: skip
    if exercise.angle.kind == "segment":
        top = path[0]
        fig.add_scatter(x=[top[0], top[0]], y=[top[1], top[1] - 0.35], mode="lines",
                        line={"color": "#d62728", "dash": "dot"}, name="reference")  # fmt: skip
    fig.update_xaxes(visible=False, range=[-0.75, 0.75])
    fig.update_yaxes(visible=False, range=[-0.05, 1.75], scaleanchor="x")
    fig.update_layout(
        height=380, margin={"l": 0, "r": 0, "t": 10, "b": 0}, showlegend=False,
    )  # fmt: skip
    return fig


def zone_dial(exercise: Exercise) -> go.Figure:
    """The rest, peak (or hold) zones as sectors of a protractor, 0-180°."""
    fig = go.Figure()
    zones = [("rest", exercise.rest, "#9aa5b1"), ("peak", exercise.peak, TARGET_COLOUR)]
    if exercise.hold is not None:
        zones = [("hold", exercise.hold.zone, TARGET_COLOUR)]
    for label, zone, colour in zones:
        if zone is None:
            continue
        low = zone.min_deg if zone.min_deg is not None else 0.0
        high = zone.max_deg if zone.max_deg is not None else 180.0
        fig.add_barpolar(
            r=[1], theta=[(low + high) / 2], width=[max(high - low, 1)], name=f"{label} zone",
            marker_color=colour, opacity=0.75,
            hovertext=f"{label}: {low:.0f}° to {high:.0f}°", hoverinfo="text",
        )  # fmt: skip
    fig.update_layout(
        polar={
            "sector": [0, 180],
            "radialaxis": {"visible": False},
            "angularaxis": {"direction": "counterclockwise", "dtick": 30},
        },
        height=260, margin={"l": 45, "r": 45, "t": 20, "b": 0},
        legend={"orientation": "h"},
    )  # fmt: skip
    return fig


def skeleton_replay(stream: LandmarkStream, max_frames: int = 120) -> go.Figure:
    """An animated replay of a stored landmark stream (play button; ≤ `max_frames` frames)."""
    step = max(1, math.ceil(len(stream) / max_frames))
    indices = range(0, len(stream), step)
    width, height = stream.info.image_size
    frames = [_replay_frame(stream, i, width, height) for i in indices]
    first = frames[0].data if frames else ()
    fig = go.Figure(data=list(first), frames=frames)
    (x0, x1), (y0, y1) = _replay_box(stream, width, height)
    fig.update_xaxes(visible=False, range=[x0, x1])
    fig.update_yaxes(visible=False, range=[y1, y0], scaleanchor="x")
    fig.update_layout(
        height=460, margin={"l": 0, "r": 0, "t": 40, "b": 0}, showlegend=False,
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0, "y": 1.0, "xanchor": "left",
            "yanchor": "bottom", "pad": {"b": 6},
            "buttons": [
                {"label": "Play", "method": "animate",
                 "args": [None, {"frame": {"duration": 1000 * step / max(stream.info.fps, 1),
                                           "redraw": True}, "fromcurrent": True}]},
                {"label": "Pause", "method": "animate",
                 "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]},
            ],
        }],
    )  # fmt: skip
    return fig


def _replay_box(
    stream: LandmarkStream, width: int, height: int, margin: float = 0.15
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Pixel x and y ranges around every visible landmark of the stream (the whole image
    when nobody was seen), so a small figure far from the camera fills the replay."""
    xy = stream.image_xyz[:, :, :2] * (width, height)
    seen = (np.nan_to_num(stream.visibility, nan=0.0) >= 0.5) & np.isfinite(xy).all(axis=2)
    if not seen.any():
        return (0.0, float(width)), (0.0, float(height))
    points = xy[seen]
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * float((high - low).max())
    return (low[0] - pad, high[0] + pad), (low[1] - pad, high[1] + pad)


def _replay_frame(stream: LandmarkStream, i: int, width: int, height: int) -> go.Frame:
    xy = stream.image_xyz[i, :, :2] * (width, height)
    hidden = np.nan_to_num(stream.visibility[i], nan=0.0) < 0.5
    xy = np.where(hidden[:, None], np.nan, xy)
    bx, by = _bones(xy)
    return go.Frame(
        name=str(i),
        data=[
            go.Scatter(x=bx, y=by, mode="lines", line={"color": "#4a4a6a", "width": 3}),
            go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers",
                       marker={"color": _joint_colours(), "size": 7}),
        ],
    )  # fmt: skip
