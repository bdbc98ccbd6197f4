"""Who is signed in, the shared database handle and exercise library, the chosen patient.

`st.cache_resource` holds only the two thread-safe shared objects (the store's `Database`
handle per database URL and the exercise library); everything about the user lives in
`st.session_state`. Pages read and write through `transaction()` and the store's functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, RehabError
from rehab.exercise_library import ExerciseLibrary, configured_dir, load_library
from rehab.store import (
    Actor,
    Database,
    Transaction,
    authenticate,
    database_url,
    open_database,
    user_profile,
)

log = logging.getLogger(__name__)

USER_KEY = "signed_in"
PATIENT_KEY = "patient_id"
SESSION_KEY = "session_id"


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
    return open_database(url)


def database() -> Database:
    """The store's handle on `REHAB_DATABASE_URL` (or `$REHAB_HOME/rehab.db`), migrated on
    first use."""
    return _database_for(database_url())


@st.cache_resource(show_spinner="Loading the exercise library…")
def _library_in(folder: str) -> ExerciseLibrary:
    return load_library(Path(folder))


def exercise_library() -> ExerciseLibrary:
    """The exercise definitions of `$REHAB_EXERCISES_DIR` (default: the bundled `exercises/`)."""
    return _library_in(str(configured_dir()))


@contextmanager
def transaction() -> Iterator[Transaction]:
    """One committed unit of work on the store (queries write their audit entries)."""
    with database().transaction() as tx:
        yield tx


def sign_in(username: str, password: str) -> SignedIn:
    """Check the password and remember the user; AccessDenied when wrong."""
    with transaction() as tx:
        actor = authenticate(tx, username.strip(), password)
        profile = user_profile(tx, actor)
    signed = SignedIn(actor, profile.username, profile.display_name, profile.patient_id)
    st.session_state[USER_KEY] = signed
    log.info("%s signed in", actor.label)
    return signed


def sign_out() -> None:
    user = current_user()
    if user is not None:
        log.info("%s signed out", user.actor.label)
    st.session_state.clear()


def current_user() -> SignedIn | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, SignedIn) else None


def require_user() -> SignedIn:
    """The signed-in user; stops the page (with a message) when nobody is."""
    user = current_user()
    if user is None:
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
    """A refusal or a missing record, said plainly (never a traceback)."""
    if isinstance(exc, AccessDenied):
        st.error(f"Not allowed: {exc}")
    elif isinstance(exc, NotFound):
        st.error(f"Not found: {exc}")
    else:
        st.error(str(exc))


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
