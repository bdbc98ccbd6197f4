"""The dashboard's sign-in cookie in a real browser (Debian Chromium via Playwright) against
`streamlit run rehab/server/st_app.py` (what `make run` serves): a reload, a bookmark and a new
tab stay signed in through a server-side session named by an HttpOnly, SameSite=Strict
cookie; signing out, idle time, the session's end and deactivation end it, and an old
cookie signs nobody in. The /auth/ routes are also asked directly, as another site would."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from rehab.store import Database, set_active, start_web_session
from rehab.store.models_auth import WebSession
from rehab.store.testing import Clinic, full_url, password_of, sql_session
from rehab.web.auth_routes import COOKIE_NAME
from tests.browser_support import StreamlitServer, launch_chromium, screenshot_path
from tests.test_dashboard_browser import sign_in, wait_idle

pytest_plugins = ["rehab.store.pytest_plugin"]

VIEWPORT = {"width": 1200, "height": 900}
SIGNED_IN_S = 12 * 3600  # REHAB_SESSION_MAX_HOURS' default


@pytest.fixture
def server(db: Database, clinic: Clinic) -> Iterator[StreamlitServer]:
    with StreamlitServer(env={"REHAB_DATABASE_URL": full_url(db)}) as running:
        yield running


def cookie_calls(page: Any, what: str) -> list[int]:
    """HTTP statuses of the page's calls to /auth/ (recorded by session_cookie.py)."""
    calls = page.evaluate("(window.__rehabCookie || [])")
    return [status for name, status in calls if name == what]


def wait_cookie_call(page: Any, what: str) -> None:
    page.wait_for_function(
        "w => (window.__rehabCookie || []).some(c => c[0] === w)", arg=what, timeout=15_000
    )


def session_cookie(context: Any) -> dict[str, Any] | None:
    found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    return found[0] if found else None


def sign_in_form_shown(page: Any) -> bool:
    return bool(page.get_by_label("Username").count() == 1)


def keep_clicking_until_signed_out(page: Any, link: str, timeout_s: float = 30.0) -> None:
    """Use the page (a tab checks its session at most once a second) until it shows the
    sign-in form."""
    deadline = time.monotonic() + timeout_s
    while True:  # click at least once: right after a sign-in the old form may linger, stale
        page.get_by_role("link", name=link).first.click()
        wait_idle(page, settle_s=0.3)
        if sign_in_form_shown(page):
            return
        assert time.monotonic() < deadline, "the ended session still shows pages"


def test_a_reload_stays_signed_in_and_sign_out_ends_it(server: StreamlitServer) -> None:
    with launch_chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        sign_in(page, server.url, "ther_a", password_of("ther_a"))
        page.get_by_role("heading", name="Patients").wait_for()
        wait_cookie_call(page, "session")
        assert cookie_calls(page, "session") == [204]

        cookie = session_cookie(context)
        assert cookie is not None
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert 0 < cookie["expires"] - time.time() <= SIGNED_IN_S + 60
        assert COOKIE_NAME not in page.evaluate("document.cookie")  # no script can read it
        stolen = cookie["value"]

        page.reload()
        wait_idle(page)
        page.get_by_role("heading", name="Patients").wait_for()
        page.goto(f"{server.url}/progress")  # a bookmark of a page
        wait_idle(page)
        page.get_by_text("Signed in as").wait_for()
        assert "/progress" in page.url and not sign_in_form_shown(page)
        other_tab = context.new_page()
        other_tab.goto(server.url)
        wait_idle(other_tab)
        other_tab.get_by_role("heading", name="Patients").wait_for()
        page.screenshot(path=str(screenshot_path("web-session-bookmark")))

        page.get_by_role("button", name="Sign out").click()
        wait_idle(page)
        wait_cookie_call(page, "sign-out")
        assert cookie_calls(page, "sign-out") == [204]
        assert session_cookie(context) is None
        keep_clicking_until_signed_out(other_tab, "Patients")  # signed out there too
        page.reload()
        wait_idle(page)
        assert sign_in_form_shown(page)

        replay = browser.new_context(viewport=VIEWPORT)  # the old cookie, copied elsewhere
        replay.add_cookies([{"name": COOKIE_NAME, "value": stolen, "url": server.url}])
        thief = replay.new_page()
        thief.goto(f"{server.url}/progress")
        wait_idle(thief)
        thief.get_by_text("Your sign-in has ended").wait_for()
        assert sign_in_form_shown(thief)
        wait_cookie_call(thief, "sign-out")  # the dead cookie is cleared
        assert session_cookie(replay) is None
        thief.screenshot(path=str(screenshot_path("web-session-ended")))


def _age_sessions(db: Database, **changes: dt.datetime) -> None:
    with sql_session(db) as session:
        session.execute(update(WebSession).values(**changes))


def test_idle_time_the_end_of_a_session_and_deactivation_end_it(
    server: StreamlitServer, db: Database, clinic: Clinic
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with launch_chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, server.url, "ther_a", password_of("ther_a"))
        page.get_by_role("heading", name="Patients").wait_for()
        _age_sessions(db, last_seen_at=long_ago)  # an hour without a request (idle: 30 min)
        keep_clicking_until_signed_out(page, "Exercise library")
        page.get_by_text("after a while without activity").wait_for()
        page.screenshot(path=str(screenshot_path("web-session-idle")))

        sign_in(page, server.url, "ther_a", password_of("ther_a"))
        page.get_by_role("heading", name="Patients").wait_for()
        _age_sessions(db, expires_at=long_ago)  # past the session's absolute end
        keep_clicking_until_signed_out(page, "Exercise library")
        page.get_by_text("Your sign-in has expired").wait_for()

        sign_in(page, server.url, "ther_b", password_of("ther_b"))
        page.get_by_role("heading", name="Patients").wait_for()
        with db.transaction() as tx:
            set_active(tx, clinic.admin, clinic.ther_b.user_id, False)
        keep_clicking_until_signed_out(page, "Exercise library")
        page.get_by_text("the account was changed by the clinic's administrator").wait_for()
        sign_in(page, server.url, "ther_b", password_of("ther_b"))
        page.get_by_text("Wrong username or password").wait_for()


def _post(server: StreamlitServer, path: str, body: bytes, origin: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = origin
    request = urllib.request.Request(f"{server.url}{path}", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers


def test_the_auth_routes_answer_only_this_server_and_a_fresh_code(
    server: StreamlitServer, db: Database, clinic: Clinic
) -> None:
    own, other = server.url, "https://evil.example"
    _session_id, code = start_web_session(db, clinic.ther_a, "test")
    body = json.dumps({"code": code}).encode()
    assert _post(server, "/auth/session", body, None)[0] == 403  # no Origin
    assert _post(server, "/auth/session", body, other)[0] == 403  # another site
    assert _post(server, "/auth/sign-out", b"{}", other)[0] == 403
    assert _post(server, "/auth/session", b"not json", own)[0] == 400
    assert _post(server, "/auth/session", b'{"code": 7}', own)[0] == 400
    assert _post(server, "/auth/session", b"x" * 5000, own)[0] == 413
    assert _post(server, "/auth/session", b'{"code": "guess"}', own)[0] == 403

    status, headers = _post(server, "/auth/session", body, own)
    assert status == 204
    set_cookie = headers["set-cookie"].lower()
    assert set_cookie.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/" in set_cookie
    assert headers["cache-control"] == "no-store"
    assert _post(server, "/auth/session", body, own)[0] == 403  # the code buys one cookie

    with urllib.request.urlopen(server.url, timeout=10) as page:
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
