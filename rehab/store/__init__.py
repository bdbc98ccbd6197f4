"""The store: sessions, reps and programs in SQLite (default) or PostgreSQL.

    from rehab.store import open_database, session_scope, queries, authenticate

    engine = open_database()                  # REHAB_DATABASE_URL / REHAB_HOME; upgrades
    with session_scope(engine) as s:
        actor = authenticate(s, "dana", password)
        patients = queries.list_patients(s, actor)

See docs/store.md for the data model, the access rules and the alert rules.
"""

from rehab.store import queries
from rehab.store.access import Actor, actor_for, authenticate
from rehab.store.alerts import Alert, AlertKind, AlertRules, AlertSeverity
from rehab.store.clinic import ExercisePlan, create_patient, create_user, prescribe
from rehab.store.engine import (
    create_db_engine,
    data_dir,
    database_url,
    open_database,
    run_transaction,
    session_scope,
    upgrade_database,
)
from rehab.store.models import Role, SessionSource, SessionStatus
from rehab.store.recorder import (
    CheckInValues,
    PlannedSet,
    SessionRecorder,
    close_stale_sessions,
    load_landmarks,
    record_session,
)

__all__ = [
    "Actor",
    "Alert",
    "AlertKind",
    "AlertRules",
    "AlertSeverity",
    "CheckInValues",
    "ExercisePlan",
    "PlannedSet",
    "Role",
    "SessionRecorder",
    "SessionSource",
    "SessionStatus",
    "actor_for",
    "authenticate",
    "close_stale_sessions",
    "create_db_engine",
    "create_patient",
    "create_user",
    "data_dir",
    "database_url",
    "load_landmarks",
    "open_database",
    "prescribe",
    "queries",
    "record_session",
    "run_transaction",
    "session_scope",
    "upgrade_database",
]
