"""Between the engine's results and the rows: RepResult <-> `reps`, HoldResult <-> `holds`,
FormIssue <-> `form_issues`, check-in values (the core's CheckInValues) -> `check_ins`. The
round trip is exact (a test fails when the engine adds a field that has no column)."""

from __future__ import annotations

import datetime as dt

from rehab.core.check_in import CheckInValues
from rehab.core.results import FormIssue, HoldResult, RepResult, Severity, Side
from rehab.errors import StoreError
from rehab.store.models import CheckIn, FormIssueRow, Hold, Rep


def check_check_in(values: CheckInValues) -> None:
    """StoreError naming the value out of range (the rule is the core's
    `CheckInValues.problem`)."""
    problem = values.problem()
    if problem is not None:
        raise StoreError(problem)


def no_values(pain_before: int | None, pain_after: int | None, effort_rpe: int | None) -> bool:
    """A check-in the patient was asked for and gave no value in: shown as skipped (a value
    is None until the patient sets it; it is never read as 0)."""
    return pain_before is None and pain_after is None and effort_rpe is None


def fill_check_in(row: CheckIn, values: CheckInValues, recorded_at: dt.datetime) -> CheckIn:
    row.recorded_at = recorded_at
    row.pain_before = values.pain_before
    row.pain_after = values.pain_after
    row.effort_rpe = values.effort_rpe
    row.comment = values.comment
    return row


def rep_row(set_id: int, rep: RepResult, recorded_at: dt.datetime) -> Rep:
    """The `reps` row for a RepResult (every field; `index` goes to `rep_index`)."""
    return Rep(
        set_id=set_id,
        exercise_id=rep.exercise_id,
        side=Side(rep.side).value,
        rep_index=rep.index,
        start_ms=rep.start_ms,
        peak_ms=rep.peak_ms,
        end_ms=rep.end_ms,
        peak_angle_deg=rep.peak_angle_deg,
        min_angle_deg=rep.min_angle_deg,
        max_angle_deg=rep.max_angle_deg,
        rom_deg=rep.rom_deg,
        concentric_s=rep.concentric_s,
        eccentric_s=rep.eccentric_s,
        hold_s=rep.hold_s,
        complete=rep.complete,
        confidence=rep.confidence,
        recorded_at=recorded_at,
    )


def hold_row(set_id: int, hold: HoldResult, recorded_at: dt.datetime) -> Hold:
    return Hold(
        set_id=set_id,
        exercise_id=hold.exercise_id,
        side=Side(hold.side).value,
        start_ms=hold.start_ms,
        end_ms=hold.end_ms,
        held_s=hold.held_s,
        mean_angle_deg=hold.mean_angle_deg,
        complete=hold.complete,
        confidence=hold.confidence,
        recorded_at=recorded_at,
    )


def issue_row(
    set_id: int, issue: FormIssue, rep_id: int | None = None, hold_id: int | None = None
) -> FormIssueRow:
    return FormIssueRow(
        set_id=set_id,
        rep_id=rep_id,
        hold_id=hold_id,
        rule_id=issue.rule_id,
        cue=issue.cue,
        severity=issue.severity.value,
        t_ms=issue.t_ms,
    )


def rep_result(row: Rep) -> RepResult:
    """A stored rep back as the engine's RepResult (the round trip is exact)."""
    return RepResult(
        exercise_id=row.exercise_id,
        side=Side(row.side),
        index=row.rep_index,
        start_ms=row.start_ms,
        peak_ms=row.peak_ms,
        end_ms=row.end_ms,
        peak_angle_deg=row.peak_angle_deg,
        min_angle_deg=row.min_angle_deg,
        max_angle_deg=row.max_angle_deg,
        rom_deg=row.rom_deg,
        concentric_s=row.concentric_s,
        eccentric_s=row.eccentric_s,
        hold_s=row.hold_s,
        complete=row.complete,
        confidence=row.confidence,
        form_issues=tuple(_form_issue(i) for i in row.form_issues),
    )


def hold_result(row: Hold) -> HoldResult:
    return HoldResult(
        exercise_id=row.exercise_id,
        side=Side(row.side),
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        held_s=row.held_s,
        mean_angle_deg=row.mean_angle_deg,
        complete=row.complete,
        confidence=row.confidence,
        form_issues=tuple(_form_issue(i) for i in row.form_issues),
    )


def _form_issue(row: FormIssueRow) -> FormIssue:
    return FormIssue(row.rule_id, row.cue, Severity(row.severity), row.t_ms)
