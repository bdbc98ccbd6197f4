"""The words and numbers of a report, formatted once: the PDF and the HTML print these same
strings (so a test can find the same figures in both)."""

from __future__ import annotations

import datetime as dt
import math

from rehab.clinic_time import local, zone_named
from rehab.display import DASH, pct
from rehab.domain import condition_line, source_label
from rehab.reports.model import ExerciseSection, ProgramView, Report
from rehab.store.queries import WeekAdherence

NO_SESSIONS = "No sessions were recorded in this period."
METHOD_NOTE = (
    "ROM: mean range of motion of a session's complete reps (degrees); best: the highest "
    "session mean; at target: sessions whose best rep reached the target. Reps (and hold "
    "time): per set, what each side did, as prescriptions count per side (10 reps of an "
    "exercise done one leg at a time: 10 with each leg); a rep of both limbs together counts "
    "for each; against what the program asked that day (with its progression). Adherence: "
    "sessions of the program's exercises done, against those due over the days the program "
    "was active, capped per week. Every figure is computed from the stored reps."
)


def deg(value: float | None, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:+.1f}°" if signed else f"{value:.1f}°"


def seconds(value: float | None) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.0f} s"


def number(value: float | int | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def day(value: dt.date | dt.datetime | None) -> str:
    return DASH if value is None else f"{value:%Y-%m-%d}"


def period(report: Report) -> str:
    return f"{day(report.first_day)} to {day(report.last_day)}"


def program_line(program: ProgramView) -> str:
    end = f" to {day(program.end_date)}" if program.end_date else ""
    return f"{program.sessions_per_week} sessions a week, from {day(program.start_date)}{end}."


def header_rows(report: Report) -> list[tuple[str, str]]:
    patient = report.patient_label + (" (pseudonymised)" if report.pseudonymised else "")
    programs = "; ".join(
        f"#{p.prescription_id} “{p.title}” from {day(p.start_date)}" for p in report.programs
    )
    generated = local(report.generated_at, zone_named(report.time_zone))
    return [
        ("Patient", patient),
        ("Therapist", report.therapist_name),
        ("Condition", condition_line(report.condition, report.affected_side.value)),
        ("Period", f"{period(report)} (clinic time, {report.time_zone})"),
        ("Program", programs or "none active in this period"),
        (
            "Generated",
            f"{generated:%Y-%m-%d %H:%M} {generated.tzname()} by rehab {report.app_version}",
        ),
    ]


def summary_rows(report: Report) -> list[tuple[str, str]]:
    done, wanted = report.sessions_of_program, report.sessions_prescribed
    pain = report.pain
    sources = " · ".join(
        f"{source_label(k)} {n}" for k, n in sorted(report.sessions_by_source.items())
    )
    return [
        (
            "Prescribed sessions done",
            f"{done} of {wanted} due ({pct(report.adherence_pct)}, capped per week)",
        ),
        ("Sessions by source", sources or DASH),
        ("Sessions interrupted", str(report.sessions_interrupted)),
        ("Complete reps", str(report.complete_reps)),
        ("Check-ins", str(pain.check_ins)),
        (
            "Pain (0-10)",
            f"first {number(pain.first_pain)}, latest {number(pain.latest_pain)}, "
            f"highest {number(pain.max_pain)}",
        ),
        ("Mean effort (RPE 0-10)", number(pain.mean_effort_rpe)),
    ]


ROM_HEADERS = ("Side", "Sessions", "First", "Best", "Latest", "Change", "Target", "At target")


def rom_rows(section: ExerciseSection) -> list[tuple[str, ...]]:
    return [
        (
            s.side.value,
            str(len(s.dates)),
            deg(s.first_deg),
            deg(s.best_deg),
            deg(s.latest_deg),
            deg(s.change_deg, signed=True),
            deg(s.target_rom_deg),
            DASH if s.sessions_at_target is None else f"{s.sessions_at_target}/{len(s.dates)}",
        )
        for s in section.rom
    ]


def volume_line(section: ExerciseSection) -> str:
    if section.is_hold:
        done, wanted = f"Hold time: {seconds(section.hold_s_done)}", section.hold_s_prescribed
        target = seconds(wanted)
    else:
        done, wanted = f"Reps: {section.reps_done}", section.reps_prescribed
        target = number(wanted)
    amount = (
        f"{done} of {target} prescribed ({pct(section.volume_pct)})"
        if wanted
        else f"{done} (not in a program)"
    )
    line = f"Sessions: {section.sessions}. {amount}"
    if section.partial_reps:
        line += f"; {section.partial_reps} partial reps not counted"
    return line + "."


def asymmetry_line(section: ExerciseSection) -> str:
    a = section.asymmetry
    if a is None:
        return ""
    return (
        f"Left/right: left {deg(a.left_deg)}, right {deg(a.right_deg)}, "
        f"difference {deg(a.difference_deg, signed=True)} ({pct(a.difference_pct)})."
    )


FORM_HEADERS = ("Form issue", "Severity", "Count", "Sessions", "Per session", "Trend")


def form_rows(section: ExerciseSection) -> list[tuple[str, ...]]:
    return [
        (
            f.cue or f.rule_id,
            f.severity,
            str(f.count),
            str(f.sessions_with),
            f"{number(f.per_session_first_half, 2)} → {number(f.per_session_second_half, 2)}",
            f.trend or DASH,
        )
        for f in section.form_issues
    ]


def adherence_line(report: Report) -> str:
    """The adherence paragraph of the PDF and the HTML."""
    return (
        f"{report.sessions_of_program} sessions of the program done of "
        f"{report.sessions_prescribed} due ({pct(report.adherence_pct)}, capped per week) over "
        f"{len(report.adherence)} weeks; {report.sessions_done} sessions in all."
    )


def adherence_rows(report: Report) -> list[tuple[str, str, str, str]]:
    return [
        (day(w.week_start), str(w.prescribed_done), str(w.sessions_prescribed), pct(_ratio(w)))
        for w in report.adherence
    ]


def _ratio(week: WeekAdherence) -> float | None:
    share = week.ratio
    return None if share is None else 100.0 * share


def alert_lines(report: Report) -> list[str]:
    """'CRITICAL: Seated knee extension (left): ROM down 22% in a week (80° → 62°)'."""
    if report.alert_texts:
        return list(report.alert_texts)
    return [f"{a.severity.value.upper()}: {a.describe(str)}" for a in report.alerts]
