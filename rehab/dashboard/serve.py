"""`rehab serve`: the dashboard from the installed package, with the on-device routes on the
same port (Streamlit runs the launcher `rehab/server/st_app.py`, an `st.App` around `app.py`).

    rehab serve                         # http://127.0.0.1:8501, this computer only
    rehab serve --port 8600

The Streamlit settings live here, passed on the command line, so they hold wherever the
program is started from (an installed package has no `.streamlit/config.toml` beside it).
The dashboard listens on 127.0.0.1 only: a clinic server puts a reverse proxy with HTTPS in
front (docs/deploy.md); `--address 0.0.0.0` would expose health data over plain HTTP.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from rehab.argtypes import whole_number

DEFAULT_ADDRESS = "127.0.0.1"
STREAMLIT_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "server.maxUploadSize": "200",  # MB per uploaded video or photo (docs/security.md)
    "server.enableXsrfProtection": "true",
    "browser.gatherUsageStats": "false",  # Streamlit's own usage statistics: off
    "client.toolbarMode": "viewer",  # no "Deploy" button or developer menu for clinicians
    "theme.primaryColor": "#1f6f9f",
}


def streamlit_command(
    port: int = 8501, address: str = DEFAULT_ADDRESS, extra: dict[str, str] | None = None
) -> list[str]:
    """The command line that serves the dashboard."""
    from rehab.server import LAUNCHER  # starlette: only when serving, not for every command

    options = {
        **STREAMLIT_OPTIONS,
        "server.port": str(port),
        "server.address": address,
        **(extra or {}),
    }
    flags = [item for key, value in options.items() for item in (f"--{key}", value)]
    return [sys.executable, "-m", "streamlit", "run", str(LAUNCHER), *flags]


def cmd_serve(args: argparse.Namespace) -> int:
    """Become the Streamlit server (exec, not a child): a signal to this process (a service
    manager's stop, `kill`) stops the server itself instead of leaving it orphaned."""
    print(f"serving the dashboard on http://{args.address}:{args.port} (Ctrl+C stops it)")
    sys.stdout.flush()
    command = streamlit_command(args.port, args.address)
    os.execv(command[0], command)


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="start the dashboard (Streamlit) in the browser")
    serve.add_argument(
        "--port", type=whole_number(1, 65535), default=8501, help="port (default 8501)"
    )
    serve.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help=f"interface to listen on (default: {DEFAULT_ADDRESS}, this computer only)",
    )
    serve.set_defaults(handler=cmd_serve)
