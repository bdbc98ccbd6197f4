"""Who is signed in, the shared database handle and exercise library, the chosen patient.

`st.cache_resource` holds only the two thread-safe shared objects (the store's `Database`
handle per database URL and the exercise library); everything about the user lives in
`st.session_state`. Pages read and write through `transaction()` and the store's functions.

Signing in makes a server-side session (`rehab.store.web_sessions`); the browser gets an
HttpOnly cookie for it (`rehab.web.auth_routes`), so a reload or a bookmark stays signed in.
Every run of a page checks the session (at most once a second): a deactivated user, an
idle or expired session, a sign-out elsewhere ends the access there and then.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from rehab import clinic_time
from rehab.dashboard.safe_text import plain
from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, NotYours, RehabError, StoreError
from rehab.exercise_library import ExerciseLibrary, configured_dir, load_library
from rehab.media_workspace import sweep_leftovers
from rehab.questionnaires import DEFAULT_DIR as QUESTIONNAIRES_DIR
from rehab.questionnaires import ENV_DIR as ENV_QUESTIONNAIRES
from rehab.questionnaires import QuestionnaireLibrary, load_questionnaires
from rehab.store import (
    Actor,
    Database,
    Transaction,
    check_web_session,
    clinic_settings,
    database_url,
    end_web_session,
    explain_database_error,
    is_database_error,
    open_database,
    session_for_cookie,
    start_web_session,
    user_profile,
)
from rehab.store import sign_in as store_sign_in
from rehab.store import (
    sign_in_with_code as store_sign_in_with_code,
)
from rehab.web.auth_routes import COOKIE_NAME

log = logging.getLogger(__name__)

USER_KEY = "signed_in"
WEB_SESSION_KEY = "web_session_id"  # the store's sign-in session of this browser tab
HANDOFF_KEY = "web_session_handoff"  # one-time code: the browser trades it for the cookie
CHECKED_KEY = "web_session_checked_at"
ENDED_KEY = "web_session_ended"  # why the last session ended (shown on the sign-in page)
JUST_ENDED_KEY = "web_session_just_ended"  # the page (or fragment) that saw it reruns the app
DEAD_COOKIE_KEY = "web_session_dead_cookie"  # the page's cookie names no valid session
PATIENT_KEY = "patient_id"
SESSION_KEY = "session_id"
CHECK_EVERY_S = 1.0  # a tab's session is checked in the store at most this often


@dataclass(frozen=True)
class SignedIn:
    """The signed-in user: what the access rules need (`actor`) and what the page shows."""

    actor: Actor
    username: str
    display_name: str
    patient_id: int | None = None  # a patient's own record

    @property
    def role(self) -> Role:
        return self.actor.role


@st.cache_resource(show_spinner="Opening the database…")
def _database_for(url: str) -> Database:
    sweep_leftovers()  # uploads of a dashboard that crashed mid-analysis (once per process)
    return open_database(url)


def database() -> Database:
    """The store's handle on `REHAB_DATABASE_URL` (or `$REHAB_HOME/rehab.db`), migrated on
    first use. StoreError (one line, password hidden) when it cannot be opened: not a
    database, locked, a server that does not answer."""
    url = database_url()
    try:
        return _database_for(url)
    except StoreError:
        raise
    except Exception as exc:  # the driver's own errors: said in one line, never a traceback
        if not is_database_error(exc):
            raise
        raise StoreError(explain_database_error(exc, [url])) from exc


@st.cache_resource(show_spinner="Loading the exercise library…")
def _library_in(folder: str) -> ExerciseLibrary:
    return load_library(Path(folder))


def exercise_library() -> ExerciseLibrary:
    """The exercise definitions of `$REHAB_EXERCISES_DIR` (default: the bundled `exercises/`)."""
    return _library_in(str(configured_dir()))


@st.cache_resource(show_spinner="Loading the questionnaires…")
def _questionnaires_in(folder: str) -> QuestionnaireLibrary:
    return load_questionnaires(Path(folder))


def questionnaire_library() -> QuestionnaireLibrary:
    """The questionnaire definitions of `$REHAB_QUESTIONNAIRES_DIR` (default: the bundled
    `questionnaires/`)."""
    return _questionnaires_in(os.environ.get(ENV_QUESTIONNAIRES, "") or str(QUESTIONNAIRES_DIR))


@contextmanager
def transaction() -> Iterator[Transaction]:
    """One committed unit of work on the store (queries write their audit entries)."""
    with database().transaction() as tx:
        yield tx


def client_address() -> str:
    """Who is asking, for the sign-in throttle and the audit log: the browser's address (the
    reverse proxy's X-Forwarded-For when uvicorn trusts it), or "local" on this computer."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def sign_in(username: str, password: str) -> SignedIn:
    """Check the password (throttled, audited) and start a sign-in session; AccessDenied
    when wrong, SignInThrottled when this account or computer must wait."""
    db = database()
    client = client_address()
    actor = store_sign_in(db, username.strip(), password, client)
    session_id, code = start_web_session(db, actor, client)
    return _remember(db, actor, session_id, code)


def sign_in_with_code(username: str, code: str, new_password: str) -> SignedIn:
    """First sign-in with the one-time code a therapist gave, choosing a password;
    AccessDenied when the code does not match (StoreError when the password is too weak)."""
    db, client = database(), client_address()
    actor = store_sign_in_with_code(db, username, code, new_password, client)
    session_id, handoff = start_web_session(db, actor, client)
    return _remember(db, actor, session_id, handoff)


def _remember(db: Database, actor: Actor, session_id: int, code: str | None) -> SignedIn:
    with db.transaction() as tx:
        profile = user_profile(tx, actor)
    signed = SignedIn(actor, profile.username, profile.display_name, profile.patient_id)
    st.session_state[USER_KEY] = signed
    st.session_state[WEB_SESSION_KEY] = session_id
    st.session_state[CHECKED_KEY] = time.monotonic()
    if code is not None:
        st.session_state[HANDOFF_KEY] = code
    log.info("%s signed in (session #%d)", actor.label, session_id)
    return signed


def sign_out(reason: str = "") -> None:
    """End this tab's sign-in session in the store (its cookie signs nobody in any more)."""
    user = st.session_state.get(USER_KEY)
    session_id = st.session_state.get(WEB_SESSION_KEY)
    if isinstance(session_id, int):
        try:
            end_web_session(database(), session_id)
        except StoreError:
            log.exception("could not end sign-in session #%d", session_id)
    if isinstance(user, SignedIn):
        log.info("%s signed out%s", user.actor.label, f" ({reason})" if reason else "")
    st.session_state.clear()
    st.session_state[ENDED_KEY] = reason or "signed out"


def current_user() -> SignedIn | None:
    """The signed-in user of this tab, checked in the store (at most once a second): None
    when nobody is, or when the session ended (deactivated, idle, expired, signed out)."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, SignedIn):
        return _resume_from_cookie()
    checked = st.session_state.get(CHECKED_KEY, 0.0)
    if time.monotonic() - float(checked) < CHECK_EVERY_S:
        return user
    session_id = st.session_state.get(WEB_SESSION_KEY)
    check = check_web_session(database(), session_id) if isinstance(session_id, int) else None
    if check is None or check.actor != user.actor:
        reason = check.ended if check is not None else "no session"
        reason = "ended" if reason in ("signed out", "no session") else reason  # elsewhere
        log.info("%s: session ended (%s)", user.actor.label, reason)
        st.session_state.clear()
        st.session_state[ENDED_KEY] = reason
        st.session_state[JUST_ENDED_KEY] = True
        return None
    st.session_state[CHECKED_KEY] = time.monotonic()
    return user


def _resume_from_cookie() -> SignedIn | None:
    """A reload or a bookmark: the tab is new, the browser's cookie names its session."""
    token = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(token, str) or not token or token == st.session_state.get(DEAD_COOKIE_KEY):
        return None
    db = database()
    session_id = session_for_cookie(db, token)
    check = check_web_session(db, session_id) if session_id is not None else None
    if session_id is None or check is None or check.actor is None:
        st.session_state.setdefault(ENDED_KEY, "ended")  # the page says so, the cookie goes
        st.session_state[DEAD_COOKIE_KEY] = token  # not looked up again on every run
        return None
    return _remember(db, check.actor, session_id, None)


def session_ended() -> str:
    """Why this tab's last session ended ("" when it did not)."""
    reason = st.session_state.get(ENDED_KEY, "")
    return reason if isinstance(reason, str) else ""


def require_user() -> SignedIn:
    """The signed-in user; stops the page (with a message) when nobody is. When the session
    has just ended (inside a fragment too), the whole app runs again: the sign-in page."""
    user = current_user()
    if user is None:
        if st.session_state.pop(JUST_ENDED_KEY, False):
            st.rerun(scope="app")
        st.warning("Please sign in first.")
        st.stop()
    return user


def require_role(*roles: Role) -> SignedIn:
    """The signed-in user when their role is one of `roles`; a refusal message otherwise."""
    user = require_user()
    if user.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        st.error(f"This page is for a {wanted}; you are signed in as a {user.role.value}.")
        st.stop()
    return user


def chosen_patient_id(user: SignedIn) -> int | None:
    """A patient sees only themselves; others the patient chosen last (or `?patient=`)."""
    if user.role is Role.PATIENT:
        return user.patient_id
    from_url = st.query_params.get("patient")
    if from_url is not None and from_url.isdigit():
        st.session_state[PATIENT_KEY] = int(from_url)
    value = st.session_state.get(PATIENT_KEY)
    return value if isinstance(value, int) else None


def choose_patient(patient_id: int) -> None:
    st.session_state[PATIENT_KEY] = patient_id
    st.query_params["patient"] = str(patient_id)


def show_error(exc: RehabError) -> None:
    """A refusal or a missing record, said plainly (never a traceback). A record that is
    missing and one that is not the user's read the same (`NotYours`)."""
    if isinstance(exc, NotYours):
        text = str(exc)
        st.error(plain(text[:1].upper() + text[1:] + "."))
    elif isinstance(exc, AccessDenied):
        st.error(f"Not allowed: {plain(exc)}")
    elif isinstance(exc, NotFound):
        st.error(f"Not found: {plain(exc)}")
    else:
        st.error(plain(exc))


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (an admin sets it on the Users page; UTC until then)."""
    with transaction() as tx:
        return clinic_settings(tx).zone


def today(zone: ZoneInfo | None = None) -> dt.date:
    """The clinic's date today (in its time zone)."""
    return clinic_time.today(zone or clinic_zone())
