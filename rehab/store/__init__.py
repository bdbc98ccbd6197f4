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
from rehab.store import queries
from rehab.store.access import Actor, actor_for, authenticate
from rehab.store.accounts import (
    UserProfile,
    UserRow,
    actor_named,
    create_user,
    first_admin,
    has_accounts,
    list_users,
    user_names,
    user_profile,
)
from rehab.store.alerts import Alert, AlertKind, AlertRules, AlertSeverity
from rehab.store.clinic import (
    ExercisePlan,
    create_patient,
    end_program,
    prescribe,
    set_patient_language,
)
from rehab.store.database import Database, Transaction, connect, data_dir, database_url
from rehab.store.demo_data import create_demo_therapist, delete_demo, demo_exists, has_patients
from rehab.store.liveness import STALE_AFTER, close_stale_sessions
from rehab.store.manual import MAX_HOLD_S, MAX_REPS, MAX_SETS, LoggedExercise, log_manual_session
from rehab.store.migrate import upgrade_database
from rehab.store.recorder import SessionRecorder
from rehab.store.refusals import record_refusal
from rehab.store.startup import open_database
from rehab.store.upload import PlannedSet, record_session

__all__ = [
    "MAX_HOLD_S",
    "MAX_REPS",
    "MAX_SETS",
    "STALE_AFTER",
    "Actor",
    "Alert",
    "AlertKind",
    "AlertRules",
    "AlertSeverity",
    "CheckInValues",
    "Database",
    "ExercisePlan",
    "LoggedExercise",
    "PlannedSet",
    "SessionRecorder",
    "Transaction",
    "UserProfile",
    "UserRow",
    "actor_for",
    "actor_named",
    "authenticate",
    "close_stale_sessions",
    "connect",
    "create_demo_therapist",
    "create_patient",
    "create_user",
    "data_dir",
    "database_url",
    "delete_demo",
    "demo_exists",
    "end_program",
    "first_admin",
    "has_accounts",
    "has_patients",
    "list_users",
    "log_manual_session",
    "open_database",
    "prescribe",
    "queries",
    "record_refusal",
    "record_session",
    "set_patient_language",
    "upgrade_database",
    "user_names",
    "user_profile",
]
