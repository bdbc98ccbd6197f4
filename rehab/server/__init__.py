"""The dashboard's web server: Streamlit and our own routes on one port.

    rehab serve                                 # what `make run` does
    streamlit run rehab/server/st_app.py        # the same from a checkout

`st_app.py` builds Streamlit's `st.App` around the dashboard's page script (the packaged
`rehab/dashboard/app.py`, so an installed wheel serves the same app) with the extra
routes and middleware listed here (Streamlit keeps `/_stcore/`, `/media/`, `/component/` and
`/static/` for itself). A feature that needs a route adds it in `routes()`; one that needs a
middleware in `middleware()`: the two lists are the only place they are combined.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

PAGE_SCRIPT = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
LAUNCHER = Path(__file__).resolve().parent / "st_app.py"


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
