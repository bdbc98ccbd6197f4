"""Our routes and middleware beside Streamlit's, on the same port (`st.App`).

Each feature that serves HTTP lists its module in ROUTE_MODULES; the module has a
`routes() -> list[BaseRoute]` function. Paths under /_stcore/, /media/, /component/ and
/static/ are Streamlit's (st.App refuses them); ours live under /auth/ (sign-in cookie) and,
for other features, a prefix of their own (/api/..., /assets/...).

Middleware: `SecurityHeaders` on every HTTP response (no framing by other sites, no MIME
sniffing, no referrer to other sites).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

ROUTE_MODULES: tuple[str, ...] = ("rehab.web.auth_routes",)
DASHBOARD_SCRIPT = Path(__file__).resolve().parents[2] / "streamlit_app.py"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),  # Streamlit's component iframes are same-origin
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"referrer-policy", b"same-origin"),
)


def routes() -> list[BaseRoute]:
    """Every feature's extra routes (ROUTE_MODULES), in order."""
    found: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        found.extend(importlib.import_module(name).routes())
    return found


def middleware() -> list[Middleware]:
    return [Middleware(SecurityHeaders)]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (WebSockets pass through untouched);
    a header the response already has is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def on_script_error(exc: Exception) -> bool:
    """A page failed with an error nobody caught: the details go to the server's log, the
    browser shows one plain line (no traceback, no internals)."""
    import streamlit as st

    log.error("a page failed", exc_info=exc)
    st.error(
        "Something went wrong on this page. It has been logged for the clinic's "
        "administrator; please try again."
    )
    return True


def app_options() -> dict[str, Any]:
    """What `st.App` takes besides the script: used by asgi.py (and tests)."""
    return {"routes": routes(), "middleware": middleware(), "on_script_error": on_script_error}
