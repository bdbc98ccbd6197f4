"""The report as data: every figure the PDF, HTML and CSV show, computed once from the store.

`build_report` is pure (no database, no clock, no files): the renderers only lay it out, so
the three formats cannot disagree. ROM figures are the mean ROM of a session's complete reps
(degrees); "best" is the highest session mean; "change" is latest minus first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rehab import __version__
from rehab.clinic_time import local_day, zone_named
from rehab.core.check_in import worse_pain
from rehab.core.results import Side, asymmetry_pct
from rehab.display import percent_of
from rehab.reports.data import ReportInputs
from rehab.reports.outcomes import OutcomeSummary, QuestionnaireLookup, outcome_summaries
from rehab.store import Alert
from rehab.store.queries import (
    CheckInPoint,
    FormIssueCount,
    HoldRow,
    Program,
    ProgramItem,
    RepRow,
    RomPoint,
    SessionSummary,
    VolumePoint,
    WeekAdherence,
    adherence_ratio,
    sessions_by_source,
)

ExerciseNamer = Callable[[str], str]
TREND_RATIO = 0.2  # form issues per session changing by more than 20% is a trend


@dataclass(frozen=True)
class RomSeries:
    """ROM of one exercise and side, session by session, against its target."""

    side: Side
    dates: tuple[dt.datetime, ...]
    mean_rom_deg: tuple[float, ...]
    max_rom_deg: tuple[float, ...]
    target_rom_deg: float | None
    first_deg: float
    best_deg: float
    latest_deg: float
    change_deg: float
    sessions_at_target: int | None  # sessions whose best rep reached the target


@dataclass(frozen=True)
class Asymmetry:
    """Left against right: mean of the session mean ROMs of each side."""

    left_deg: float
    right_deg: float

    @property
    def difference_deg(self) -> float:
        return self.left_deg - self.right_deg

    @property
    def difference_pct(self) -> float:
        return asymmetry_pct(self.left_deg, self.right_deg)


@dataclass(frozen=True)
class FormIssueSummary:
    rule_id: str
    cue: str
    severity: str
    count: int
    sessions_with: int
    per_session_first_half: float  # issues per session of this exercise, first half
    per_session_second_half: float  # ... and second half of the period's sessions
    trend: str  # "fewer", "more", "steady" or "" (too few sessions to say)


@dataclass(frozen=True)
class VolumeSeries:
    """Reps (or hold seconds) per session of one exercise, against the prescription."""

    dates: tuple[dt.datetime, ...]
    done: tuple[float, ...]
    prescribed: tuple[float | None, ...]


@dataclass(frozen=True)
class ExerciseSection:
    exercise_id: str
    name: str
    prescribed: str  # e.g. "3 × 10 reps, left, target 80°" ("" when not in a program)
    sessions: int
    reps_done: int
    reps_prescribed: int | None
    partial_reps: int
    hold_s_done: float
    hold_s_prescribed: float | None
    is_hold: bool
    rom: tuple[RomSeries, ...]
    asymmetry: Asymmetry | None
    volume: VolumeSeries
    form_issues: tuple[FormIssueSummary, ...]

    @property
    def volume_pct(self) -> float | None:
        if self.is_hold:
            return percent_of(self.hold_s_done, self.hold_s_prescribed)
        return percent_of(self.reps_done, self.reps_prescribed)


@dataclass(frozen=True)
class ProgramView:
    prescription_id: int
    title: str
    sessions_per_week: int
    start_date: dt.date
    end_date: dt.date | None
    items: tuple[tuple[str, str], ...]  # (exercise name, "3 × 10 reps, left, target 80°")


@dataclass(frozen=True)
class PainSummary:
    check_ins: int
    first_pain: int | None  # worse of before/after, first check-in with a pain score
    latest_pain: int | None
    max_pain: int | None
    mean_effort_rpe: float | None


@dataclass(frozen=True)
class Report:
    patient_id: int
    patient_label: str  # the name, or a pseudonymous id
    pseudonymised: bool
    therapist_name: str
    condition: str
    affected_side: Side
    first_day: dt.date
    last_day: dt.date  # inclusive
    generated_at: dt.datetime
    app_version: str
    programs: tuple[ProgramView, ...]
    sessions: tuple[SessionSummary, ...]
    adherence: tuple[WeekAdherence, ...]
    exercises: tuple[ExerciseSection, ...]
    check_ins: tuple[CheckInPoint, ...]
    pain: PainSummary
    alerts: tuple[Alert, ...]
    therapist_note: str
    rom_points: tuple[RomPoint, ...]
    volume_points: tuple[VolumePoint, ...]
    reps: tuple[RepRow, ...]
    holds: tuple[HoldRow, ...]
    time_zone: str = "UTC"  # the clinic's: the report's days and weeks
    outcomes: tuple[OutcomeSummary, ...] = ()
    alert_texts: tuple[str, ...] = ()  # the alerts worded with the exercises' names

    @property
    def sessions_done(self) -> int:
        """Every session done in the period, whatever its source or exercises."""
        return sum(w.sessions_done for w in self.adherence)

    @property
    def sessions_of_program(self) -> int:
        """Sessions done of the program's exercises (what adherence counts)."""
        return sum(w.prescribed_done for w in self.adherence)

    @property
    def sessions_interrupted(self) -> int:
        return sum(w.sessions_interrupted for w in self.adherence)

    @property
    def sessions_prescribed(self) -> int:
        """Sessions due over the days a program was active (rounded)."""
        return round(sum(w.due for w in self.adherence))

    @property
    def adherence_pct(self) -> float | None:
        """Credited / due, capped per week (rehab.store.adherence): never above 100%."""
        share = adherence_ratio(self.adherence)
        return None if share is None else 100.0 * share

    @property
    def sessions_by_source(self) -> dict[str, int]:
        return sessions_by_source(self.adherence)

    @property
    def complete_reps(self) -> int:
        return sum(s.complete_reps for s in self.sessions)

    @property
    def is_empty(self) -> bool:
        return not self.sessions


def pseudonym(patient_id: int) -> str:
    """A stable pseudonymous id: no name, and not the bare database id."""
    digest = hashlib.sha256(f"rehab-patient:{patient_id}".encode()).hexdigest()
    return f"P-{digest[:8].upper()}"


def build_report(
    inputs: ReportInputs,
    names: ExerciseNamer,
    generated_at: dt.datetime,
    therapist_note: str | None = None,
    pseudonymise: bool = False,
    questionnaires: QuestionnaireLookup = lambda _: None,
) -> Report:
    data = inputs.data
    patient = data.patient
    check_ins = data.check_ins
    zone = zone_named(data.time_zone)
    if pseudonymise:  # free text may hold names: keep the scores, drop the comments
        check_ins = tuple(_without_comment(c) for c in check_ins)
    return Report(
        patient_id=patient.patient_id,
        patient_label=pseudonym(patient.patient_id) if pseudonymise else patient.name,
        pseudonymised=pseudonymise,
        therapist_name=patient.therapist_name,
        condition=patient.condition,
        affected_side=patient.affected_side,
        first_day=local_day(data.since, zone),
        last_day=local_day(data.until - dt.timedelta(microseconds=1), zone),
        generated_at=generated_at,
        app_version=__version__,
        programs=_programs(patient.programs, data.since, data.until, names),
        sessions=data.sessions,
        adherence=data.adherence,
        exercises=_sections(inputs, names),
        check_ins=check_ins,
        pain=_pain_summary(check_ins),
        alerts=data.alerts,
        therapist_note=(therapist_note or "").strip(),
        rom_points=data.rom,
        volume_points=data.volume,
        reps=inputs.reps,
        holds=inputs.holds,
        time_zone=data.time_zone,
        outcomes=outcome_summaries(data.outcomes, questionnaires),
        alert_texts=tuple(f"{a.severity.value.upper()}: {a.describe(names)}" for a in data.alerts),
    )


def _without_comment(point: CheckInPoint) -> CheckInPoint:
    return replace(point, comment="")


def describe_item(item: ProgramItem) -> str:
    """'3 × 10 reps (+2 reps a week, up to 20 reps), left, target 80°, not beyond 95°'."""
    rise = item.reps_progression.describe("reps")
    amount = (
        f"{item.reps} reps" + (f" ({rise})" if rise else "")
        if item.reps is not None
        else f"{item.hold_s:g} s hold"
    )
    parts = [f"{item.sets} × {amount}", item.side.value]
    if item.target_rom_deg is not None:
        lift = item.rom_progression.describe("°")
        parts.append(f"target {item.target_rom_deg:g}°" + (f" ({lift})" if lift else ""))
    if item.rom_limit_deg is not None:
        parts.append(f"not beyond {item.rom_limit_deg:g}°")
    return ", ".join(parts)


def last_day(until: dt.datetime) -> dt.date:
    """The last day (inclusive) of a period [since, until)."""
    return (until - dt.timedelta(microseconds=1)).date()


def active_programs(
    programs: Sequence[Program], since: dt.datetime, until: dt.datetime
) -> list[Program]:
    """The programs active on at least one day of the period [since, until)."""
    first, last = since.date(), last_day(until)
    return [
        p for p in programs if p.start_date <= last and (p.end_date is None or p.end_date >= first)
    ]


def _programs(
    programs: Sequence[Program], since: dt.datetime, until: dt.datetime, names: ExerciseNamer
) -> tuple[ProgramView, ...]:
    """The programs active on at least one day of the period, oldest first."""
    active = active_programs(programs, since, until)
    return tuple(
        ProgramView(
            prescription_id=p.prescription_id,
            title=p.title,
            sessions_per_week=p.sessions_per_week,
            start_date=p.start_date,
            end_date=p.end_date,
            items=tuple((names(i.exercise_id), describe_item(i)) for i in p.items),
        )
        for p in sorted(active, key=lambda p: (p.start_date, p.prescription_id))
    )


def _prescribed_items(inputs: ReportInputs) -> dict[str, ProgramItem]:
    """The newest program's item for each exercise (programs come newest first)."""
    items: dict[str, ProgramItem] = {}
    for program in inputs.data.patient.programs:
        for item in program.items:
            items.setdefault(item.exercise_id, item)
    return items


def _sections(inputs: ReportInputs, names: ExerciseNamer) -> tuple[ExerciseSection, ...]:
    data = inputs.data
    rom: dict[str, list[RomPoint]] = defaultdict(list)
    volume: dict[str, list[VolumePoint]] = defaultdict(list)
    issues: dict[str, list[FormIssueCount]] = defaultdict(list)
    for point in data.rom:
        rom[point.exercise_id].append(point)
    for vol in data.volume:
        volume[vol.exercise_id].append(vol)
    for issue in data.form_issues:
        issues[issue.exercise_id].append(issue)
    items = _prescribed_items(inputs)
    order = list(dict.fromkeys([*items, *volume]))  # program order, then anything else done
    return tuple(
        _section(ex, names(ex), items.get(ex), rom[ex], volume[ex], issues[ex])
        for ex in order
        if volume[ex] or ex in _active_exercises(inputs)
    )


def _active_exercises(inputs: ReportInputs) -> set[str]:
    data = inputs.data
    programs = active_programs(data.patient.programs, data.since, data.until)
    return {item.exercise_id for p in programs for item in p.items}


def _section(
    exercise_id: str,
    name: str,
    item: ProgramItem | None,
    rom: list[RomPoint],
    volume: list[VolumePoint],
    issues: list[FormIssueCount],
) -> ExerciseSection:
    series = _rom_series(rom)
    reps_done = sum(v.reps_done for v in volume)
    held = sum(v.hold_s_done for v in volume)
    is_hold = item.reps is None if item is not None else (held > 0 and reps_done == 0)
    return ExerciseSection(
        exercise_id=exercise_id,
        name=name,
        prescribed=describe_item(item) if item is not None else "",
        sessions=len(volume),
        reps_done=reps_done,
        reps_prescribed=_int_or_none(_sum_or_none([v.reps_prescribed for v in volume])),
        partial_reps=sum(v.partial_reps for v in volume),
        hold_s_done=held,
        hold_s_prescribed=_sum_or_none([v.hold_s_prescribed for v in volume]),
        is_hold=is_hold,
        rom=series,
        asymmetry=_asymmetry(series),
        volume=_volume_series(volume, is_hold),
        form_issues=_form_summary(issues, [v.session_id for v in volume]),
    )


def _sum_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


def _rom_series(points: list[RomPoint]) -> tuple[RomSeries, ...]:
    by_side: dict[Side, list[RomPoint]] = defaultdict(list)
    for point in points:
        if not math.isnan(point.mean_rom_deg):
            by_side[point.side].append(point)
    return tuple(_one_series(side, by_side[side]) for side in Side if by_side.get(side))


def _one_series(side: Side, points: list[RomPoint]) -> RomSeries:
    means = [p.mean_rom_deg for p in points]
    targets = [p.target_rom_deg for p in points if p.target_rom_deg is not None]
    reached = [p.target_reached for p in points if p.target_reached is not None]
    return RomSeries(
        side=side,
        dates=tuple(p.started_at for p in points),
        mean_rom_deg=tuple(means),
        max_rom_deg=tuple(p.max_rom_deg for p in points),
        target_rom_deg=targets[-1] if targets else None,
        first_deg=means[0],
        best_deg=max(means),
        latest_deg=means[-1],
        change_deg=means[-1] - means[0],
        sessions_at_target=sum(reached) if reached else None,
    )


def _asymmetry(series: Sequence[RomSeries]) -> Asymmetry | None:
    sides = {s.side: s for s in series}
    if Side.LEFT not in sides or Side.RIGHT not in sides:
        return None
    left, right = sides[Side.LEFT].mean_rom_deg, sides[Side.RIGHT].mean_rom_deg
    return Asymmetry(sum(left) / len(left), sum(right) / len(right))


def _volume_series(points: list[VolumePoint], is_hold: bool) -> VolumeSeries:
    if is_hold:
        done = [v.hold_s_done for v in points]
        wanted: list[float | None] = [v.hold_s_prescribed for v in points]
    else:
        done = [float(v.reps_done) for v in points]
        wanted = [None if v.reps_prescribed is None else float(v.reps_prescribed) for v in points]
    return VolumeSeries(tuple(v.started_at for v in points), tuple(done), tuple(wanted))


def _form_summary(
    issues: list[FormIssueCount], session_ids: list[int]
) -> tuple[FormIssueSummary, ...]:
    half = len(session_ids) // 2
    first_half = set(session_ids[:half])
    second_half = set(session_ids[half:])
    by_rule: dict[str, list[FormIssueCount]] = defaultdict(list)
    for issue in issues:
        by_rule[issue.rule_id].append(issue)
    out = [_one_rule(rows, first_half, second_half) for rows in by_rule.values()]
    return tuple(sorted(out, key=lambda s: (-s.count, s.rule_id)))


def _one_rule(
    rows: list[FormIssueCount], first_half: set[int], second_half: set[int]
) -> FormIssueSummary:
    early = sum(r.count for r in rows if r.session_id in first_half)
    late = sum(r.count for r in rows if r.session_id in second_half)
    early_rate = early / len(first_half) if first_half else math.nan
    late_rate = late / len(second_half) if second_half else math.nan
    worst = max(rows, key=lambda r: _SEVERITY_RANK.get(r.severity, 0))
    return FormIssueSummary(
        rule_id=rows[0].rule_id,
        cue=rows[0].cue,
        severity=worst.severity,
        count=sum(r.count for r in rows),
        sessions_with=len({r.session_id for r in rows}),
        per_session_first_half=early_rate,
        per_session_second_half=late_rate,
        trend=_trend(early_rate, late_rate),
    )


_SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}


def _trend(early: float, late: float) -> str:
    if math.isnan(early) or math.isnan(late):
        return ""
    if late < early * (1 - TREND_RATIO):
        return "fewer"
    if late > early * (1 + TREND_RATIO):
        return "more"
    return "steady"


def _pain_summary(check_ins: Sequence[CheckInPoint]) -> PainSummary:
    scores = (worse_pain(c.pain_before, c.pain_after) for c in check_ins)
    pains = [p for p in scores if p is not None]
    efforts = [c.effort_rpe for c in check_ins if c.effort_rpe is not None]
    return PainSummary(
        check_ins=len(check_ins),
        first_pain=pains[0] if pains else None,
        latest_pain=pains[-1] if pains else None,
        max_pain=max(pains) if pains else None,
        mean_effort_rpe=sum(efforts) / len(efforts) if efforts else None,
    )
