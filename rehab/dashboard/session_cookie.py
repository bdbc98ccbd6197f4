"""The browser's side of the sign-in cookie: small scripts that call the server's /auth/
routes (rehab.web.auth_routes). The page hands over a one-time code; the HttpOnly cookie
itself is set by the server and no script can read it.

`window.__rehabCookie` records each call's HTTP status (what the browser tests read).
"""

from __future__ import annotations

import streamlit as st

from rehab.dashboard.safe_text import js_literal
from rehab.dashboard.state import HANDOFF_KEY

_CALL = """<script>(function(){const w=window.parent||window;
fetch(%(url)s,{method:"POST",credentials:"same-origin",
headers:{"Content-Type":"application/json"},body:JSON.stringify(%(body)s)})
.then(r=>{(w.__rehabCookie=w.__rehabCookie||[]).push([%(what)s,r.status]);})
.catch(()=>{(w.__rehabCookie=w.__rehabCookie||[]).push([%(what)s,0]);});})();</script>"""


def _route(path: str) -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/{path}" if base else f"/{path}"


def call_script(path: str, body: dict[str, str], what: str) -> str:
    return _CALL % {
        "url": js_literal(_route(path)),
        "body": js_literal(body),
        "what": js_literal(what),
    }


def hand_over_cookie() -> None:
    """Right after a sign-in: the browser trades the one-time code for the cookie."""
    code = st.session_state.pop(HANDOFF_KEY, None)
    if isinstance(code, str) and code:
        st.html(call_script("auth/session", {"code": code}, "session"),
                unsafe_allow_javascript=True)  # fmt: skip


def drop_cookie() -> None:
    """After signing out: the server clears the cookie (its session has ended already)."""
    st.html(call_script("auth/sign-out", {}, "sign-out"), unsafe_allow_javascript=True)
