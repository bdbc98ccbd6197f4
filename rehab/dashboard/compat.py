"""A fix for Streamlit 1.60's web server on Starlette >= 1.0: audio and video answer HTTP 500.

Streamlit's media-aware gzip responders override `send_with_compression` and, for an
excluded content type (audio/*, video/*), keep the response's start message, counting on
Starlette's old body branch to send it. Starlette 1.x sends that start message from the
start branch instead, so nobody sends it: "Expected ASGI message 'http.response.start', but
got 'http.response.body'", and `st.video` never plays. The patch sends the start message
whenever Starlette would pass the response through untouched. It applies only when the
installed Starlette has the new behaviour (its responders track `partial_response`), and it
is harmless once Streamlit fixes its responders (remove it then).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_PATCHED = "_rehab_media_fix"


def _passes_through(responder: Any, message: dict[str, Any]) -> bool:
    responder.partial_response = message.get("status") == 206
    return bool(
        responder.content_encoding_set
        or responder.partial_response
        or responder.content_type_is_excluded
    )


def _patched(responder_class: Any, base: Any, handle_start: Any) -> Any:
    async def send_with_compression(self: Any, message: dict[str, Any]) -> None:
        if message["type"] != "http.response.start":
            await base.send_with_compression(self, message)
            return
        handle_start(self, message)
        if _passes_through(self, message):
            await self.send(message)

    send_with_compression.__doc__ = responder_class.send_with_compression.__doc__
    return send_with_compression


def fix_media_responses() -> bool:
    """Patch Streamlit's responders once per process; True when the patch is in place."""
    try:
        from starlette.middleware.gzip import GZipResponder, IdentityResponder
        from streamlit.web.server.starlette import starlette_gzip_middleware as gz
    except ImportError:  # another server (Tornado) or another Streamlit: nothing to fix
        return False
    if getattr(gz, _PATCHED, False):
        return True
    probe = IdentityResponder(app=None, minimum_size=0)  # type: ignore[arg-type]
    if not hasattr(probe, "partial_response"):  # an older Starlette: Streamlit works as is
        return False
    pairs = ((gz._MediaAwareGZipResponder, GZipResponder),
             (gz._MediaAwareIdentityResponder, IdentityResponder))  # fmt: skip
    for responder_class, base in pairs:
        patched = _patched(responder_class, base, gz._handle_response_start)
        setattr(responder_class, "send_with_compression", patched)  # noqa: B010
    setattr(gz, _PATCHED, True)
    log.info("patched Streamlit's media responses for Starlette >= 1.0")
    return True
