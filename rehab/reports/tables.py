"""The CSV export: a zip of tables (per rep, per hold, per session, per session and exercise,
per week, check-ins), every metric with its unit in the column name. UTF-8, comma-separated,
one header row; an empty cell is a value that was not measured (NaN, "not visible")."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rehab.reports import text
from rehab.reports.model import Report

Cell = str | int | float | bool | dt.datetime | dt.date | None
Column = tuple[str, Callable[[Any], Cell]]

SESSION_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda s: s.session_id),
    ("started_at_utc", lambda s: s.started_at),
    ("ended_at_utc", lambda s: s.ended_at),
    ("duration_s", lambda s: _span_s(s.started_at, s.ended_at)),
    ("source", lambda s: s.source),
    ("status", lambda s: s.status),
    ("sets", lambda s: s.sets),
    ("complete_reps", lambda s: s.complete_reps),
    ("partial_reps", lambda s: s.partial_reps),
    ("pain_before_0_10", lambda s: s.pain_before),
    ("pain_after_0_10", lambda s: s.pain_after),
    ("effort_rpe_0_10", lambda s: s.effort_rpe),
)

VOLUME_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda v: v.session_id),
    ("started_at_utc", lambda v: v.started_at),
    ("exercise_id", lambda v: v.exercise_id),
    ("sets_done", lambda v: v.sets_done),
    ("sets_prescribed", lambda v: v.sets_prescribed),
    ("reps_done", lambda v: v.reps_done),
    ("reps_prescribed", lambda v: v.reps_prescribed),
    ("partial_reps", lambda v: v.partial_reps),
    ("hold_done_s", lambda v: v.hold_s_done),
    ("hold_prescribed_s", lambda v: v.hold_s_prescribed),
)

ROM_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda r: r.session_id),
    ("started_at_utc", lambda r: r.started_at),
    ("exercise_id", lambda r: r.exercise_id),
    ("side", lambda r: r.side.value),
    ("complete_reps", lambda r: r.reps),
    ("mean_rom_deg", lambda r: r.mean_rom_deg),
    ("max_rom_deg", lambda r: r.max_rom_deg),
    ("mean_peak_angle_deg", lambda r: r.mean_peak_angle_deg),
    ("min_angle_deg", lambda r: r.min_angle_deg),
    ("max_angle_deg", lambda r: r.max_angle_deg),
    ("mean_confidence_0_1", lambda r: r.mean_confidence),
    ("target_rom_deg", lambda r: r.target_rom_deg),
    ("target_reached", lambda r: r.target_reached),
)

REP_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda r: r.session_id),
    ("session_started_at_utc", lambda r: r.session_started_at),
    ("set_id", lambda r: r.set_id),
    ("set_index", lambda r: r.set_index),
    ("exercise_id", lambda r: r.exercise_id),
    ("side", lambda r: r.side),
    ("rep_index", lambda r: r.rep_index),
    ("complete", lambda r: r.complete),
    ("start_ms", lambda r: r.start_ms),
    ("peak_ms", lambda r: r.peak_ms),
    ("end_ms", lambda r: r.end_ms),
    ("duration_s", lambda r: r.duration_s),
    ("peak_angle_deg", lambda r: r.peak_angle_deg),
    ("min_angle_deg", lambda r: r.min_angle_deg),
    ("max_angle_deg", lambda r: r.max_angle_deg),
    ("rom_deg", lambda r: r.rom_deg),
    ("concentric_s", lambda r: r.concentric_s),
    ("eccentric_s", lambda r: r.eccentric_s),
    ("hold_s", lambda r: r.hold_s),
    ("confidence_0_1", lambda r: r.confidence),
    ("form_issues", lambda r: ";".join(r.form_issues)),
)

HOLD_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda h: h.session_id),
    ("session_started_at_utc", lambda h: h.session_started_at),
    ("set_id", lambda h: h.set_id),
    ("set_index", lambda h: h.set_index),
    ("exercise_id", lambda h: h.exercise_id),
    ("side", lambda h: h.side),
    ("start_ms", lambda h: h.start_ms),
    ("end_ms", lambda h: h.end_ms),
    ("held_s", lambda h: h.held_s),
    ("mean_angle_deg", lambda h: h.mean_angle_deg),
    ("complete", lambda h: h.complete),
    ("confidence_0_1", lambda h: h.confidence),
    ("form_issues", lambda h: ";".join(h.form_issues)),
)

WEEK_COLUMNS: tuple[Column, ...] = (
    ("week_start", lambda w: w.week_start),
    ("sessions_done", lambda w: w.sessions_done),
    ("sessions_interrupted", lambda w: w.sessions_interrupted),
    ("sessions_prescribed", lambda w: w.sessions_prescribed),
    ("sessions_of_program_done", lambda w: w.prescribed_done),
    ("sessions_due", lambda w: round(w.due, 2)),
    ("sessions_credited", lambda w: round(w.credited, 2)),
    ("sessions_by_source", lambda w: "; ".join(f"{k} {n}" for k, n in w.by_source)),
)

OUTCOME_COLUMNS: tuple[Column, ...] = (
    ("questionnaire_id", lambda o: o[0]),
    ("completed_at_utc", lambda o: o[1]),
    ("score", lambda o: o[2]),
)

CHECK_IN_COLUMNS: tuple[Column, ...] = (
    ("session_id", lambda c: c.session_id),
    ("recorded_at_utc", lambda c: c.recorded_at),
    ("pain_before_0_10", lambda c: c.pain_before),
    ("pain_after_0_10", lambda c: c.pain_after),
    ("effort_rpe_0_10", lambda c: c.effort_rpe),
    ("comment", lambda c: c.comment),
)


def _span_s(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); the fullwidth forms are converted to them by some spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(text: str) -> str:
    """`text` that a spreadsheet shows as text: a leading `'` when it could start a formula.

    Applied to every text cell and every README line; numbers are written as numbers, so
    a negative angle stays a number."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Cell) -> str:
    """One CSV cell: NaN and None empty, floats exact (repr), times ISO 8601 UTC, text
    neutralised for spreadsheets (`spreadsheet_safe`)."""
    kind = type(value)
    if kind is float:
        return "" if math.isnan(value) else repr(value)  # type: ignore[arg-type]
    if kind is int:
        return str(value)
    if kind is str:
        return spreadsheet_safe(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _stamp(value)
    return spreadsheet_safe(str(value))


@functools.lru_cache(maxsize=4096)
def _stamp(value: dt.datetime) -> str:
    """Many rows share their session's start: format each moment once."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def table_csv(columns: Sequence[Column], rows: Iterable[object]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    writer.writerows([cell(get(row)) for _, get in columns] for row in rows)
    return buffer.getvalue()


def _about(report: Report) -> str:
    lines = [f"{key}: {value}" for key, value in text.header_rows(report)]
    lines += [f"{key}: {value}" for key, value in text.summary_rows(report)]
    if report.therapist_note:
        lines += ["", "Therapist's note:", report.therapist_note]
    lines += ["", "Tables: " + ", ".join(TABLES), "Empty cell: not measured (not visible)."]
    text_lines = "\n".join(lines).splitlines()  # a note's own line breaks too
    return "\n".join(spreadsheet_safe(line) for line in text_lines) + "\n"


TABLES = (
    "sessions.csv",
    "session_exercises.csv",
    "rom_per_session.csv",
    "reps.csv",
    "holds.csv",
    "weeks.csv",
    "check_ins.csv",
    "outcomes.csv",
)


def _outcome_rows(report: Report) -> list[tuple[str, dt.datetime, float]]:
    return [
        (o.questionnaire_id, at, score)
        for o in report.outcomes
        for at, score in zip(o.dates, o.scores, strict=True)
    ]


def render_csv_zip(report: Report) -> bytes:
    contents = {
        "sessions.csv": table_csv(SESSION_COLUMNS, report.sessions),
        "session_exercises.csv": table_csv(VOLUME_COLUMNS, report.volume_points),
        "rom_per_session.csv": table_csv(ROM_COLUMNS, report.rom_points),
        "reps.csv": table_csv(REP_COLUMNS, report.reps),
        "holds.csv": table_csv(HOLD_COLUMNS, report.holds),
        "weeks.csv": table_csv(WEEK_COLUMNS, report.adherence),
        "check_ins.csv": table_csv(CHECK_IN_COLUMNS, report.check_ins),
        "outcomes.csv": table_csv(OUTCOME_COLUMNS, _outcome_rows(report)),
        "README.txt": _about(report),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in contents.items():
            archive.writestr(name, body.encode("utf-8"))
    return buffer.getvalue()
