"""Progress reports (PDF, HTML, zip of CSV tables) for one patient over a period.

    from rehab.reports import make_report, period_for_days, render_report, report_filename
    since, until = period_for_days(first_day, last_day)
    pdf = make_report(engine, actor, patient_id, since, until, "pdf", note)  # own transaction
    # or, inside a transaction of yours:
    pdf = render_report(session, actor, patient_id, since, until, "pdf", note)

Layers: data.py (store reads) → model.py (pure report model, every figure) → text.py (shared
wording) → pdf.py / html.py / tables.py (layout only).
"""

from rehab.reports.render import (
    ReportFormat,
    exercise_name,
    make_report,
    period_for_days,
    render_report,
    report_filename,
)

__all__ = [
    "ReportFormat",
    "exercise_name",
    "make_report",
    "period_for_days",
    "render_report",
    "report_filename",
]
