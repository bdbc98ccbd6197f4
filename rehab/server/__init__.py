"""The dashboard's web server: Streamlit and our own routes on one port.

    streamlit run rehab/server/st_app.py        # what `make run` does

`st_app.py` builds Streamlit's `st.App` around the dashboard's page script with the extra
routes and middleware listed here (Streamlit keeps `/_stcore/`, `/media/`, `/component/` and
`/static/` for itself). A feature that needs a route adds it in `routes()`; one that needs a
middleware in `middleware()`: the two lists are the only place they are combined.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

PAGE_SCRIPT = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def prepare() -> None:
    """Process-wide fixes to apply before serving: Streamlit 1.60's gzip responders on
    Starlette 1.x answer HTTP 500 to a response that is already compressed (the on-device
    runtime's .gz files) or is media, unless patched (remove with Streamlit >= 1.62)."""
    from rehab.dashboard.compat import fix_media_responses

    fix_media_responses()


def routes() -> list[BaseRoute]:
    """Every extra route: the sign-in cookie (/auth/) and the on-device live sessions (page
    assets, models, ingest)."""
    from rehab.live.ondevice.routes import ondevice_routes
    from rehab.web import auth_routes

    return [*auth_routes.routes(), *ondevice_routes()]


def middleware() -> list[Middleware]:
    """Every extra middleware: the security headers on every HTTP response."""
    from rehab.web.security import SecurityHeaders

    return [Middleware(SecurityHeaders)]
