"""Which pages each role sees, and the sidebar around them (who is signed in, sign out)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import SignedIn, current_user, sign_out
from rehab.domain import Role

PAGES_DIR = Path(__file__).resolve().parent / "pages"
APP_ROOT = PAGES_DIR.parents[2]  # where streamlit_app.py lives


def page_path(name: str) -> str:
    """A page script's path relative to the app root (what `st.switch_page` accepts)."""
    return str((PAGES_DIR / f"{name}.py").relative_to(APP_ROOT))


def _page(name: str, title: str, icon: str, *, default: bool = False) -> StreamlitPage:
    return st.Page(page_path(name), title=title, icon=icon, default=default, url_path=name)


def _clinic_pages(default: str) -> list[StreamlitPage]:
    return [
        _page("patients", "Patients", ":material/groups:", default=default == "patients"),
        _page("progress", "Patient progress", ":material/monitoring:"),
        _page("session_detail", "Session detail", ":material/timeline:"),
        _page("prescriptions", "Prescriptions", ":material/assignment:"),
    ]


def _tool_pages() -> list[StreamlitPage]:
    return [
        _page("library", "Exercise library", ":material/menu_book:"),
        _page("analyse_video", "Analyse a video", ":material/movie:"),
        _page("annotate_image", "Annotate an image", ":material/accessibility_new:"),
    ]


def _patient_pages() -> list[StreamlitPage]:
    """A patient's own pages: today's program with the live webcam session first."""
    return [
        _page("live_session", "Today's session", ":material/videocam:", default=True),
        _page("progress", "My progress", ":material/monitoring:"),
        _page("session_detail", "My sessions", ":material/timeline:"),
    ]


def pages_for(user: SignedIn) -> dict[str, list[StreamlitPage]]:
    """Sections of pages, by role."""
    if user.role is Role.PATIENT:
        return {"My rehab": _patient_pages(), "Tools": _tool_pages()}
    sections = {"Clinic": _clinic_pages("patients"), "Tools": _tool_pages()}
    if user.role is Role.ADMIN:
        sections["Admin"] = [_page("users", "Users", ":material/manage_accounts:")]
    return sections


def _sidebar(user: SignedIn) -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.display_name)}** ({user.role.value})")
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            sign_out()
            st.rerun()


def run() -> None:
    """Route: the sign-in page for a visitor, the role's pages for a signed-in user."""
    user = current_user()
    if user is None:
        sign_in = _page("sign_in", "Sign in", ":material/login:", default=True)
        st.navigation([sign_in], position="hidden").run()
        return
    _sidebar(user)
    st.navigation(pages_for(user)).run()
