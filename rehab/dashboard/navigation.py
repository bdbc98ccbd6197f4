"""Which pages each role sees, and the sidebar around them (who is signed in, sign out).

A visitor sees the sign-in page at every page's address, so a deep link
(`/progress?patient=2`) or a bookmark opens that page once signed in (subject to the
store's access rules). A database that cannot be opened is said in one line, no traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from rehab.dashboard.patient_view import current_language, language_for
from rehab.dashboard.safe_text import plain
from rehab.dashboard.session_cookie import drop_cookie, hand_over_cookie
from rehab.dashboard.state import ENDED_KEY, SignedIn, current_user, database, sign_out
from rehab.domain import Role
from rehab.errors import StoreError
from rehab.i18n import N_, Translator, translator
from rehab.store import Actor, demo_exists

COOKIE_DROPPED_KEY = "cookie_dropped"
PAGES_DIR = Path(__file__).resolve().parent / "pages"
APP_SCRIPT = PAGES_DIR.parent / "app.py"  # the page script `rehab serve` serves


def _app_root() -> Path:
    """The folder of the script Streamlit runs: `app.py` here, or `streamlit_app.py` at the
    top of a checkout. Page paths are relative to it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    script = Path(context.main_script_path) if context is not None else APP_SCRIPT
    return script.resolve().parent


def page_path(name: str) -> str:
    """A page script's path relative to the app's script (what `st.switch_page` accepts)."""
    return os.path.relpath(PAGES_DIR / f"{name}.py", _app_root())


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
QUESTIONNAIRES = N_("Questionnaires")
SIGNED_IN_AS = N_("Signed in as {name}")
SIGN_OUT = N_("Sign out")


def _patient_pages(t: Translator) -> list[StreamlitPage]:
    """A patient's own pages, in their language: today's exercises first. No clinician's
    page (progress charts, session detail, counting rules, tools) is routed for a patient."""
    return [
        _page("home", t.gettext(TODAY), ":material/home:", default=True),
        _page("live_session", t.gettext(EXERCISE), ":material/videocam:"),
        _page("manual_log", t.gettext(LOG), ":material/edit_note:"),
        _page("questionnaires", t.gettext(QUESTIONNAIRES), ":material/checklist:"),
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


def page_addresses() -> list[str]:
    """The url path of every page of every role."""
    users = (SignedIn(Actor(0, role), "", "") for role in Role)
    paths = {
        page.url_path for user in users for pages in pages_for(user).values() for page in pages
    }
    return sorted(paths)


def _visitor_pages() -> list[StreamlitPage]:
    """The sign-in page, at its own address and standing in at every page's address."""
    sign_in = _page("sign_in", "Sign in", ":material/login:", default=True)
    stand_ins = [
        st.Page(page_path("sign_in"), title="Sign in", url_path=path)
        for path in page_addresses()
        if path != sign_in.url_path
    ]
    return [sign_in, *stand_ins]


def _demo_banner() -> None:
    """Every page says so when the database holds the demo clinic (made-up people)."""
    if _has_demo(database().url):
        st.warning(
            "**Demo data**: this database holds the demo clinic (made-up patients, accounts "
            "with a published password). Do not enter real patients here.",
            icon=":material/science:",
        )


@st.cache_data(ttl=30, show_spinner=False)
def _has_demo(url: str) -> bool:
    """Cached per database URL (an argument named with a leading _ would not be hashed)."""
    with database().read() as tx:
        return demo_exists(tx)


def run() -> None:
    """Route: the sign-in page for a visitor, the role's pages for a signed-in user."""
    try:
        _route()
    except StoreError as exc:
        database_problem(exc)


def _route() -> None:
    user = current_user()
    _demo_banner()
    if user is None:
        if st.session_state.get(ENDED_KEY) and not st.session_state.get(COOKIE_DROPPED_KEY):
            drop_cookie()  # the session has ended in the store; the cookie goes too
            st.session_state[COOKIE_DROPPED_KEY] = True
        st.navigation(_visitor_pages(), position="hidden").run()
        return
    hand_over_cookie()
    if user.role is Role.PATIENT:
        language_for(user)  # the patient's language for this run (a therapist may change it)
    _sidebar(user)
    st.navigation(pages_for(user)).run()


def database_problem(exc: StoreError) -> None:
    """The database cannot be used: one plain message, what to check, no traceback."""
    st.title("Rehab tracker")
    st.error(f"The database cannot be used: {plain(exc)}", icon=":material/database:")
    st.info(
        "Check the database setting (REHAB_DATABASE_URL, or the file under REHAB_HOME): "
        "is it the clinic's database, is its server running, is another program holding "
        "it locked? Then reload this page."
    )
