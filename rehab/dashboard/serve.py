"""`rehab serve`: the dashboard from the installed package, with the on-device routes on the
same port (Streamlit runs the launcher `rehab/server/st_app.py`, an `st.App` around `app.py`).

    rehab serve                         # http://localhost:8501
    rehab serve --port 8600 --address 0.0.0.0

The Streamlit settings live here, passed on the command line, so they hold wherever the
program is started from (an installed package has no `.streamlit/config.toml` beside it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

STREAMLIT_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",  # Streamlit's own usage statistics: off
    "client.toolbarMode": "viewer",  # no "Deploy" button or developer menu for clinicians
    "theme.primaryColor": "#1f6f9f",
}


def streamlit_command(
    port: int = 8501, address: str = "localhost", extra: dict[str, str] | None = None
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
    print(f"serving the dashboard on http://{args.address}:{args.port} (Ctrl+C stops it)")
    return subprocess.call(streamlit_command(args.port, args.address))


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="start the dashboard (Streamlit) in the browser")
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    serve.add_argument(
        "--address", default="localhost", help="interface to listen on (default: localhost)"
    )
    serve.set_defaults(handler=cmd_serve)
