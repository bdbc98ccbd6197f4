"""Which pages each role sees, and the sidebar around them (who is signed in, sign out)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from rehab.dashboard.patient_view import current_language, language_for
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import SignedIn, current_user, sign_out
from rehab.domain import Role
from rehab.i18n import N_, Translator, translator

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


TODAY = N_("Today")
EXERCISE = N_("Exercise with the camera")
LOG = N_("Log without the camera")
MY_EXERCISES = N_("My exercises")
SIGNED_IN_AS = N_("Signed in as {name}")
SIGN_OUT = N_("Sign out")


def _patient_pages(t: Translator) -> list[StreamlitPage]:
    """A patient's own pages, in their language: today's exercises first. No clinician's
    page (progress charts, session detail, counting rules, tools) is routed for a patient."""
    return [
        _page("home", t.gettext(TODAY), ":material/home:", default=True),
        _page("live_session", t.gettext(EXERCISE), ":material/videocam:"),
        _page("manual_log", t.gettext(LOG), ":material/edit_note:"),
    ]


def pages_for(user: SignedIn) -> dict[str, list[StreamlitPage]]:
    """Sections of pages, by role."""
    if user.role is Role.PATIENT:
        t = translator(current_language())
        return {t.gettext(MY_EXERCISES): _patient_pages(t)}
    sections = {"Clinic": _clinic_pages("patients"), "Tools": _tool_pages()}
    if user.role is Role.ADMIN:
        sections["Admin"] = [_page("users", "Users", ":material/manage_accounts:")]
    return sections


def _sidebar(user: SignedIn) -> None:
    with st.sidebar:
        if user.role is Role.PATIENT:
            t = translator(current_language())
            st.caption(t.gettext(SIGNED_IN_AS).format(name=plain(user.display_name)))
            label = t.gettext(SIGN_OUT)
        else:
            st.caption(f"Signed in as **{plain(user.display_name)}** ({user.role.value})")
            label = "Sign out"
        if st.button(label, icon=":material/logout:", key="sign_out"):
            sign_out()
            st.rerun()


def run() -> None:
    """Route: the sign-in page for a visitor, the role's pages for a signed-in user."""
    user = current_user()
    if user is None:
        sign_in = _page("sign_in", "Sign in", ":material/login:", default=True)
        st.navigation([sign_in], position="hidden").run()
        return
    if user.role is Role.PATIENT:
        language_for(user)  # the patient's language for this run (a therapist may change it)
    _sidebar(user)
    st.navigation(pages_for(user)).run()
