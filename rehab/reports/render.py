"""One entry point for every report format (the CLI and the dashboard's download buttons)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from enum import StrEnum

from rehab.clinic_time import days_window
from rehab.core.questionnaire import Questionnaire
from rehab.errors import InputError, RehabError
from rehab.reports.data import load_report_inputs
from rehab.reports.model import Report, build_report, last_day, pseudonym
from rehab.store import Actor, Database, Transaction

log = logging.getLogger(__name__)


class ReportFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"
    CSV = "csv"  # a zip of CSV tables

    @property
    def extension(self) -> str:
        return ".zip" if self is ReportFormat.CSV else f".{self.value}"

    @property
    def media_type(self) -> str:
        return {
            ReportFormat.PDF: "application/pdf",
            ReportFormat.HTML: "text/html; charset=utf-8",
            ReportFormat.CSV: "application/zip",
        }[self]


@functools.cache
def _exercise_names() -> dict[str, str]:
    from rehab.exercise_library import load_library

    try:
        library = load_library()
    except RehabError as exc:  # a report must not fail because an exercise file is broken
        log.warning("exercise library not loaded (%s): reports show exercise ids", exc)
        return {}
    return {exercise_id: ex.name for exercise_id, ex in library.exercises.items()}


def exercise_name(exercise_id: str) -> str:
    return _exercise_names().get(exercise_id, exercise_id)


@functools.cache
def _questionnaires() -> dict[str, Questionnaire]:
    from rehab.questionnaires import load_questionnaires

    try:
        return load_questionnaires().questionnaires
    except RehabError as exc:  # a report must not fail because a questionnaire file is broken
        log.warning("questionnaires not loaded (%s): reports leave outcome measures out", exc)
        return {}


def questionnaire(questionnaire_id: str) -> Questionnaire | None:
    return _questionnaires().get(questionnaire_id)


def period_for_days(
    first_day: dt.date, last_day: dt.date, zone: dt.tzinfo = dt.UTC
) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) in UTC covering whole days (of the clinic's time zone) from
    `first_day` to `last_day` inclusive."""
    if first_day > last_day:
        raise InputError(f"the period starts ({first_day}) after it ends ({last_day})")
    return days_window(first_day, last_day, zone)


def check_period(since: dt.datetime, until: dt.datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise InputError("report period: give timezone-aware datetimes (UTC)")
    if since >= until:
        raise InputError(f"the period starts ({since:%Y-%m-%d}) after it ends ({until:%Y-%m-%d})")


def build(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    *,
    with_rows: bool = False,
    therapist_note: str | None = None,
    pseudonymise: bool = False,
    generated_at: dt.datetime | None = None,
) -> Report:
    """The report model (access checked and audited by the store)."""
    check_period(since, until)
    inputs = load_report_inputs(tx, actor, patient_id, since, until, with_rows=with_rows)
    moment = generated_at or dt.datetime.now(dt.UTC)
    return build_report(inputs, exercise_name, moment, therapist_note, pseudonymise, questionnaire)


def _renderer(fmt: ReportFormat) -> Callable[[Report], bytes]:
    if fmt is ReportFormat.PDF:
        from rehab.reports.pdf import render_pdf

        return render_pdf
    if fmt is ReportFormat.HTML:
        from rehab.reports.html import render_html

        return render_html
    from rehab.reports.tables import render_csv_zip

    return render_csv_zip


def report_format(fmt: ReportFormat | str) -> ReportFormat:
    try:
        return ReportFormat(fmt)
    except ValueError as exc:
        raise InputError(f"unknown report format '{fmt}' (use pdf, html or csv)") from exc


def render_model(report: Report, fmt: ReportFormat | str) -> bytes:
    """Lay out a built report (no database): PDF, HTML or the CSV zip."""
    kind = report_format(fmt)
    log.info(
        "report %s for patient #%d: %d sessions", kind, report.patient_id, len(report.sessions)
    )
    return _renderer(kind)(report)


def render_report(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    fmt: ReportFormat | str,
    therapist_note: str | None = None,
    pseudonymise: bool = False,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The report over [since, until) as PDF, HTML or a zip of CSV tables, read in the
    caller's transaction (see `make_report` to keep SQLite's write lock short).

    Raises NotFound (unknown patient), AccessDenied (not the actor's patient) or InputError
    (bad period, unknown format): all RehabError, with a one-line message for the user.
    """
    kind = report_format(fmt)
    report = build(
        tx,
        actor,
        patient_id,
        since,
        until,
        with_rows=kind is ReportFormat.CSV,
        therapist_note=therapist_note,
        pseudonymise=pseudonymise,
        generated_at=generated_at,
    )
    return render_model(report, kind)


def make_report(
    db: Database,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    fmt: ReportFormat | str,
    therapist_note: str | None = None,
    pseudonymise: bool = False,
) -> bytes:
    """Like `render_report`, in its own read-only transaction that ends before the layout
    starts: a read-only snapshot (`db.read()`) holds no write lock, so live sessions' rep
    writes never wait behind a report (its audit entries are written when the reading ends).
    What the dashboard's download buttons and the CLI call.
    """
    kind = report_format(fmt)
    with db.read() as tx:
        report = build(
            tx,
            actor,
            patient_id,
            since,
            until,
            with_rows=kind is ReportFormat.CSV,
            therapist_note=therapist_note,
            pseudonymise=pseudonymise,
        )
    return render_model(report, kind)


def report_filename(
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    fmt: ReportFormat | str,
    pseudonymise: bool = False,
) -> str:
    """A file name for a download: no patient name in it (a pseudonym when asked)."""
    who = pseudonym(patient_id) if pseudonymise else f"patient-{patient_id}"
    last = last_day(until)
    return f"report-{who}-{since:%Y-%m-%d}_{last:%Y-%m-%d}{ReportFormat(fmt).extension}"
