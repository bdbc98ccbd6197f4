"""Sign in with a store account (admin, therapist or patient)."""

from __future__ import annotations

import streamlit as st

from rehab import __version__
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import session_ended, sign_in, sign_in_with_code, transaction
from rehab.errors import AccessDenied, SignInThrottled, StoreError
from rehab.store import PASSWORD_RULE, has_accounts

ENDED = {
    "idle": "You were signed out after a while without activity. Please sign in again.",
    "expired": "Your sign-in has expired. Please sign in again.",
    "deactivated": "This account has been deactivated. Ask the clinic's administrator.",
    "ended": (
        "Your sign-in has ended (signed out in another tab, or the account was changed by "
        "the clinic's administrator). Please sign in again."
    ),
}


def _no_accounts_yet() -> bool:
    with transaction() as tx:
        return not has_accounts(tx)


def main() -> None:
    st.title("Rehab tracker")
    st.caption(f"Version {__version__} · therapist dashboard and home exercise sessions")
    ended = ENDED.get(session_ended())
    if ended:
        st.info(ended)
    if _no_accounts_yet():
        st.info(
            "This database has no accounts yet. Create the first admin with "
            "`rehab user add admin --name Admin --role admin`, or a demo clinic with "
            "`rehab demo`, then sign in here."
        )
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    _with_code()
    if not submitted:
        return
    if not username or not password:
        st.error("Enter your username and password.")
        return
    try:
        sign_in(username, password)
    except SignInThrottled as exc:
        st.error(f"Too many failed sign-ins: {plain(str(exc).split(': ', 1)[-1])}.")
        return
    except AccessDenied:
        st.error("Wrong username or password.")
        return
    except StoreError as exc:
        st.error(f"The database cannot be read: {plain(exc)}")
        return
    st.rerun()


def _with_code() -> None:
    """A new patient's first sign-in: username, the one-time code, their own password."""
    box = st.expander("First time? Use your sign-in code", icon=":material/key:")
    with box, st.form("sign_in_code"):
        st.caption("Your therapist gave you a one-time code. Choose your own password here.")
        username = st.text_input("Your user name", key="code_username")
        code = st.text_input("Sign-in code", placeholder="XXXX-XXXX-XX", key="code_code")
        password = st.text_input(
            f"Choose a password ({PASSWORD_RULE})", type="password", key="code_password"
        )
        submitted = st.form_submit_button("Sign in", key="code_submit")
    if not submitted:
        return
    try:
        sign_in_with_code(username, code, password)
    except SignInThrottled as exc:
        st.error(f"Too many failed sign-ins: {plain(str(exc).split(': ', 1)[-1])}.")
        return
    except AccessDenied:
        st.error("Wrong username or sign-in code, or the code has expired: ask your therapist.")
        return
    except StoreError as exc:
        st.error(str(exc))
        return
    st.rerun()


if __name__ == "__main__":
    main()
