"""The store: the one front door to the database (SQLite by default, or PostgreSQL).

Everything outside `rehab/store` reads and writes through the names below (and the
`queries` package); no SQLAlchemy, no ORM model, no SQL outside this folder (a test keeps
it so). Each function takes the acting user (`Actor`), applies the access rules, writes the
audit log and returns plain frozen dataclasses.

    from rehab.store import authenticate, open_database, queries

    db = open_database()                      # migrates, closes stale sessions: a Database
    with db.transaction() as tx:              # one unit of work, committed at the end
        actor = authenticate(tx, "dana", password)
        patients = queries.list_patients(tx, actor)
    with db.read() as tx:                     # read-only snapshot (reports): no write lock
        data = queries.report_data(tx, actor, patient_id, since, until)
    with SessionRecorder.start(db, actor, patient_id) as recorder:   # a live session
        ...

The enums the pages need (`Role`, `SessionSource`, `SessionStatus`) are in `rehab.domain`.
See docs/store.md for the data model, the access rules, the alert rules and every function.
"""

from rehab.core.check_in import CheckInValues
from rehab.paths import data_dir
from rehab.store import queries
from rehab.store.access import Actor, actor_for, authenticate
from rehab.store.accounts import (
    PASSWORD_RULE,
    UserProfile,
    UserRow,
    WeakPassword,
    actor_named,
    create_user,
    first_admin,
    has_accounts,
    list_users,
    reset_password,
    set_active,
    user_id_named,
    user_names,
    user_profile,
    validate_password,
)
from rehab.store.alerts import Alert, AlertKind, AlertRules, AlertSeverity, RomFact, trend_words
from rehab.store.clinic import (
    ExercisePlan,
    NewPatient,
    PatientFields,
    add_patient,
    create_patient,
    end_program,
    prescribe,
    set_patient_language,
    update_patient,
)
from rehab.store.database import (
    ENV_URL,
    Database,
    Transaction,
    connect,
    database_url,
)
from rehab.store.demo_data import create_demo_therapist, delete_demo, demo_exists, has_patients
from rehab.store.failures import explain_database_error, is_database_error
from rehab.store.files import database_files
from rehab.store.jobs import (
    ClaimedJob,
    JobView,
    cancel_job,
    claim_next_job,
    end_cancelled_job,
    enqueue_job,
    fail_job,
    finish_job,
    finished_job_media,
    job_heartbeat,
    job_view,
    jobs_with_media,
    latest_job,
    reap_stale_jobs,
    release_job,
    report_progress,
)
from rehab.store.liveness import STALE_AFTER, close_stale_sessions
from rehab.store.manual import MAX_HOLD_S, MAX_REPS, MAX_SETS, LoggedExercise, log_manual_session
from rehab.store.migrate import upgrade_database
from rehab.store.outcomes import (
    Assignment,
    OutcomeScore,
    assign_questionnaire,
    assignments,
    end_assignment,
    outcome_scores,
    record_outcome,
)
from rehab.store.recorder import SessionRecorder
from rehab.store.refusals import record_refusal
from rehab.store.settings import ClinicSettingsView, clinic_settings, set_time_zone
from rehab.store.sign_in_codes import issue_sign_in_code, redeem_sign_in_code, sign_in_with_code
from rehab.store.sign_in_throttle import sign_in
from rehab.store.startup import open_database
from rehab.store.templates import (
    TemplateView,
    delete_template,
    list_templates,
    save_program_as_template,
    save_template,
    start_from_template,
)
from rehab.store.upload import PlannedSet, record_session
from rehab.store.web_sessions import (
    SessionCheck,
    SessionLimits,
    check_web_session,
    cookie_for_handoff,
    end_web_session,
    purge_expired,
    session_for_cookie,
    start_web_session,
)

__all__ = [
    "ENV_URL",
    "MAX_HOLD_S",
    "MAX_REPS",
    "MAX_SETS",
    "PASSWORD_RULE",
    "STALE_AFTER",
    "Actor",
    "Alert",
    "AlertKind",
    "AlertRules",
    "AlertSeverity",
    "Assignment",
    "CheckInValues",
    "ClaimedJob",
    "ClinicSettingsView",
    "Database",
    "ExercisePlan",
    "JobView",
    "LoggedExercise",
    "NewPatient",
    "OutcomeScore",
    "PatientFields",
    "PlannedSet",
    "RomFact",
    "SessionCheck",
    "SessionLimits",
    "SessionRecorder",
    "TemplateView",
    "Transaction",
    "UserProfile",
    "UserRow",
    "WeakPassword",
    "actor_for",
    "actor_named",
    "add_patient",
    "assign_questionnaire",
    "assignments",
    "authenticate",
    "cancel_job",
    "check_web_session",
    "claim_next_job",
    "clinic_settings",
    "close_stale_sessions",
    "connect",
    "cookie_for_handoff",
    "create_demo_therapist",
    "create_patient",
    "create_user",
    "data_dir",
    "database_files",
    "database_url",
    "delete_demo",
    "delete_template",
    "demo_exists",
    "end_assignment",
    "end_cancelled_job",
    "end_program",
    "end_web_session",
    "enqueue_job",
    "explain_database_error",
    "fail_job",
    "finish_job",
    "finished_job_media",
    "first_admin",
    "has_accounts",
    "has_patients",
    "is_database_error",
    "issue_sign_in_code",
    "job_heartbeat",
    "job_view",
    "jobs_with_media",
    "latest_job",
    "list_templates",
    "list_users",
    "log_manual_session",
    "open_database",
    "outcome_scores",
    "prescribe",
    "purge_expired",
    "queries",
    "reap_stale_jobs",
    "record_outcome",
    "record_refusal",
    "record_session",
    "redeem_sign_in_code",
    "release_job",
    "report_progress",
    "reset_password",
    "save_program_as_template",
    "save_template",
    "session_for_cookie",
    "set_active",
    "set_patient_language",
    "set_time_zone",
    "sign_in",
    "sign_in_with_code",
    "start_from_template",
    "start_web_session",
    "trend_words",
    "update_patient",
    "upgrade_database",
    "user_id_named",
    "user_names",
    "user_profile",
    "validate_password",
]
