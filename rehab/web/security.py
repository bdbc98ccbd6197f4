"""What every HTTP response of the dashboard's server carries, and what a browser sees when a
page fails (rehab.server puts both in place).

`SecurityHeaders`: no framing by other sites, no MIME sniffing, no referrer to other sites.
A header a route already sends (the on-device page's own Content-Security-Policy) is kept.
`on_script_error`: an uncaught page error goes to the server's log; the browser shows one
plain line.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),  # Streamlit's component iframes are same-origin
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"referrer-policy", b"same-origin"),
)


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
