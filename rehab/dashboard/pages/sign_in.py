"""Sign in with a store account (admin, therapist or patient)."""

from __future__ import annotations

import streamlit as st

from rehab import __version__
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import sign_in, transaction
from rehab.errors import AccessDenied, StoreError
from rehab.store import has_accounts


def _no_accounts_yet() -> bool:
    with transaction() as tx:
        return not has_accounts(tx)


def main() -> None:
    st.title("Rehab tracker")
    st.caption(f"Version {__version__} · therapist dashboard and home exercise sessions")
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
    if not submitted:
        return
    if not username or not password:
        st.error("Enter your username and password.")
        return
    try:
        sign_in(username, password)
    except AccessDenied:
        st.error("Wrong username or password.")
        return
    except StoreError as exc:
        st.error(f"The database cannot be read: {plain(exc)}")
        return
    st.rerun()


if __name__ == "__main__":
    main()
