"""The sign-in cookie, set and cleared by the server (a Streamlit page cannot set an
HttpOnly cookie itself).

- `POST /auth/session` `{"code": ...}`: the one-time code the sign-in page handed to the
  browser buys the cookie of that sign-in session (204), or nothing (403).
- `POST /auth/sign-out`: ends the session the cookie names and clears the cookie (204).

The cookie (`rehab_session`): HttpOnly, SameSite=Strict, Path=/, Secure when the page is
served over HTTPS (uvicorn reads X-Forwarded-Proto from a trusted proxy; set
REHAB_COOKIE_SECURE=1 to force it), lasting as long as a session may (REHAB_SESSION_MAX_HOURS).
Both routes answer only requests whose Origin is this server (no other site can use them).
"""

from __future__ import annotations

import functools
import json
import logging
import os

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rehab.store import (
    Database,
    SessionLimits,
    connect,
    cookie_for_handoff,
    database_url,
    end_web_session,
    session_for_cookie,
)

log = logging.getLogger(__name__)

COOKIE_NAME = "rehab_session"
ENV_SECURE = "REHAB_COOKIE_SECURE"
MAX_BODY_BYTES = 1024


def routes() -> list[BaseRoute]:
    return [
        Route("/auth/session", set_session_cookie, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
    ]


@functools.cache
def _database(url: str) -> Database:
    return connect(url)  # the dashboard has migrated it before any sign-in


def database() -> Database:
    return _database(database_url())


async def set_session_cookie(request: Request) -> Response:
    if not same_origin(request):
        return Response(status_code=403)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return Response(status_code=413)
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return Response(status_code=400)
    if not isinstance(code, str) or not code:
        return Response(status_code=400)
    token = await run_in_threadpool(cookie_for_handoff, database(), code)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(SessionLimits.from_environment().absolute.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    response.headers["cache-control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    if not same_origin(request):
        return Response(status_code=403)
    token = request.cookies.get(COOKIE_NAME, "")
    if token:
        session_id = await run_in_threadpool(session_for_cookie, database(), token)
        if session_id is not None:
            await run_in_threadpool(end_web_session, database(), session_id)
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=is_https(request)
    )
    return response


def same_origin(request: Request) -> bool:
    """The request comes from a page of this server (its Origin is this host)."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if not origin or not host:
        return False
    return origin in (f"{request.url.scheme}://{host}", f"https://{host}")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get(ENV_SECURE, "") == "1"
