"""Accuracy on the shared clips (../shared/data/videos, MANIFEST.csv + MANIFEST2.csv).

One row per clip: exercise, camera view, the hand figure (reps, or seconds held for a hold
exercise), the offline figure (zero-phase filter) and the live one (the live tracker fed
the same frames). Then the summary: exact matches, mean absolute error and off-by-one
accuracy for the rep clips (RepCount's measures); holds within 1 s or 10 % and their mean
absolute error in seconds.

Landmark streams come from the tests' cache (~/.cache/rehab-tests/clip-streams) or are extracted now
with BlazePose (minutes on a shared 2-core machine), with the product's default model for
recorded video (heavy). REHAB_POSE_MODELS, a comma-separated list of models (`lite`, `full`,
`heavy` or `.task` paths), adds a table of every clip's figures with each of those models.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.table import print_table
from rehab.core.analysis import analyze_stream
from rehab.exercise_library import load_library
from rehab.pose.models import DEFAULT_VIDEO_MODEL

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    clip: Any  # tests.conftest.Clip
    offline: float
    live: float


def clip_tools() -> Any:
    """The tests' clip helpers (manifests, cached landmark streams, set figures), or None."""
    spec = importlib.util.spec_from_file_location("_clip_conftest", REPO / "tests" / "conftest.py")
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _figure(value: float, hold: bool) -> str:
    return f"{value:.1f} s" if hold else f"{value:g}"


def measure(tools: Any, model: str | None = None, live: bool = True) -> list[Row]:
    library = load_library()
    rows = []
    for clip in tools.load_manifest():
        stream = tools.clip_stream(clip, model)
        exercise = library.get(clip.exercise)
        offline = tools.set_figure(analyze_stream(stream, exercise), clip.is_hold)
        on_line = tools.set_figure(tools.live_result(stream, exercise), clip.is_hold) if live else 0
        rows.append(Row(clip, offline, on_line))
    return rows


def _error(clip: Any, value: float) -> float:
    if clip.is_hold:
        return abs(value - clip.figure)
    return float(min(abs(value - ok) for ok in clip.accepted_counts()))


def summary(rows: list[Row]) -> list[list[object]]:
    reps = [r for r in rows if not r.clip.is_hold]
    holds = [r for r in rows if r.clip.is_hold]
    out: list[list[object]] = []
    for label, pick in (("offline", lambda r: r.offline), ("live", lambda r: r.live)):
        errors = [_error(r.clip, pick(r)) for r in reps]
        n = len(errors)
        relative = [e / r.clip.reps for e, r in zip(errors, reps, strict=True) if r.clip.reps]
        out += [
            [f"{label}: rep clips exact", f"{sum(e == 0 for e in errors)}/{n}"],
            [f"{label}: mean absolute error (reps)", sum(errors) / n if n else 0.0],
            [f"{label}: MAE relative to count", sum(relative) / len(relative) if relative else 0.0],
            [f"{label}: off-by-one accuracy (|error| <= 1)", f"{sum(e <= 1 for e in errors)}/{n}"],
        ]
        hold_errors = [_error(r.clip, pick(r)) for r in holds]
        good = sum(r.clip.accepts(pick(r)) for r in holds)
        out += [
            [f"{label}: holds within 1 s or 10 %", f"{good}/{len(holds)}"],
            [f"{label}: holds mean absolute error (s)", sum(hold_errors) / max(1, len(holds))],
        ]
    return out


def table(rows: list[Row]) -> list[list[object]]:
    return [
        [
            r.clip.name.removesuffix(".mp4"), r.clip.exercise, r.clip.view, r.clip.wanted(),
            _figure(r.offline, r.clip.is_hold), _figure(r.live, r.clip.is_hold),
            "yes" if r.clip.accepts(r.offline) and r.clip.accepts(r.live) else "NO",
        ]
        for r in rows
    ]  # fmt: skip


def per_model(tools: Any, models: list[str], default: list[Row]) -> None:
    """Every clip's figures (offline / live) with the default model and each of `models`."""
    columns = {f"{DEFAULT_VIDEO_MODEL} (default)": default}
    for model in models:
        columns[Path(model).stem.removeprefix("pose_landmarker_")] = measure(tools, model)
    rows = []
    for i, row in enumerate(default):
        cells = []
        for results in columns.values():
            r = results[i]
            mark = "" if r.clip.accepts(r.offline) and r.clip.accepts(r.live) else " *"
            cells.append(
                f"{_figure(r.offline, r.clip.is_hold)} / {_figure(r.live, r.clip.is_hold)}{mark}"
            )
        rows.append([row.clip.name.removesuffix(".mp4"), row.clip.wanted(), *cells])
    print("\nFigures per pose model (offline / live; * = not the hand figure)")
    print_table(["clip", "hand", *columns], rows)
    right = [
        [name, f"{sum(r.clip.accepts(r.offline) and r.clip.accepts(r.live) for r in rs)}/{len(rs)}"]
        for name, rs in columns.items()
    ]
    print()
    print_table(["model", "clips right offline and live"], right)


def main() -> None:
    tools = clip_tools()
    if tools is None or not (tools.CLIPS_DIR / "MANIFEST.csv").is_file():
        print(f"clip accuracy: shared clips not found at {tools and tools.CLIPS_DIR}; skipped")
        return
    rows = measure(tools)
    print("Accuracy on the shared clips (offline = zero-phase filter, live = live tracker)")
    headers = ["clip", "exercise", "view", "hand", "offline", "live", "right"]
    print_table(headers, table(rows))
    print()
    print_table(["measure", "value"], summary(rows))
    models = [m.strip() for m in os.environ.get("REHAB_POSE_MODELS", "").split(",") if m.strip()]
    if models:
        per_model(tools, models, rows)
