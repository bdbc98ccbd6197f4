"""What the dashboard, the live pages and the reports read: a Transaction and the asking
user in, plain frozen dataclasses out.

Every function takes the asking user (`Actor`), applies the access rules of
`rehab.store.access` (AccessDenied for someone else's patient) and adds an audit entry to the
transaction: `with db.transaction() as tx:` (commits it) or `with db.read() as tx:`.

Times are aware UTC datetimes; days and weeks (Monday first) are the clinic's local ones
(its time zone: `rehab.store.clinic_settings`). A session counts as done when it is
completed or interrupted (the patient exercised; the camera or the tab gave up); adherence
counts the done sessions of program exercises, capped per week (`rehab.store.adherence`).

By concern: `patients` (the list, one record, pickers), `facts` (alerts), `progress` (ROM,
volume, form, pain, adherence over time), `sessions` (one session, kept landmark streams),
`reports` (a period in one go), `programs`, `home` (a patient's own pages: their program
without the clinic's notes, their sessions, their language). Import from here, not from the modules.
"""

from rehab.store.adherence import WeekAdherence
from rehab.store.adherence import by_source as sessions_by_source
from rehab.store.adherence import ratio as adherence_ratio
from rehab.store.queries.facts import patient_alerts, rom_trends
from rehab.store.queries.home import (
    DoneSession,
    PatientHome,
    PatientProgram,
    patient_home,
    patient_language,
)
from rehab.store.queries.patients import (
    PatientDetail,
    PatientSummary,
    latest_pains,
    list_patients,
    patient_detail,
    patient_id_for_user,
    patient_names,
)
from rehab.store.queries.programs import Program, ProgramItem
from rehab.store.queries.progress import (
    CheckInPoint,
    FormIssueCount,
    RomPoint,
    VolumePoint,
    form_issues_over_time,
    pain_and_effort,
    rom_progress,
    volume_progress,
    weekly_adherence,
)
from rehab.store.queries.reports import HoldRow, ReportData, RepRow, report_data
from rehab.store.queries.sessions import (
    SessionDetail,
    SessionSummary,
    SetDetail,
    StoredStream,
    first_session_at,
    list_sessions,
    load_landmarks,
    session_detail,
    stored_streams,
)

__all__ = [
    "CheckInPoint",
    "DoneSession",
    "FormIssueCount",
    "HoldRow",
    "PatientDetail",
    "PatientHome",
    "PatientProgram",
    "PatientSummary",
    "Program",
    "ProgramItem",
    "RepRow",
    "ReportData",
    "RomPoint",
    "SessionDetail",
    "SessionSummary",
    "SetDetail",
    "StoredStream",
    "VolumePoint",
    "WeekAdherence",
    "adherence_ratio",
    "first_session_at",
    "form_issues_over_time",
    "latest_pains",
    "list_patients",
    "list_sessions",
    "load_landmarks",
    "pain_and_effort",
    "patient_alerts",
    "patient_detail",
    "patient_home",
    "patient_id_for_user",
    "patient_language",
    "patient_names",
    "report_data",
    "rom_progress",
    "rom_trends",
    "session_detail",
    "sessions_by_source",
    "stored_streams",
    "volume_progress",
    "weekly_adherence",
]
