"""`rehab ondevice`: install and check the browser's pose runtime, run an ingest-only server.

    rehab ondevice install            # MediaPipe Tasks for Web, pinned, into the data folder
    rehab ondevice check              # the runtime and the model bundles the page needs
    rehab ondevice serve --port 8601  # the ingest alone (several behind a proxy)

See docs/live.md, "On-device sessions".
"""

from __future__ import annotations

import argparse
from typing import Any

from rehab.argtypes import whole_number
from rehab.live.ondevice.models import available_bundles
from rehab.live.ondevice.runtime import (
    PACKAGE,
    VERSION,
    check_no_outside_endpoints,
    check_runtime,
    install_runtime,
)


def cmd_install(args: argparse.Namespace) -> int:
    folder = install_runtime()
    print(f"{PACKAGE}@{VERSION} installed in {folder}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    runtime = check_runtime()
    found = check_no_outside_endpoints(runtime.folder)
    if found:
        names = "; ".join(f"{name}: {', '.join(hosts)}" for name, hosts in found.items())
        print(f"outside endpoints found: {names}")
        return 2
    print(f"{PACKAGE}@{VERSION}: every file as pinned, no outside endpoint ({runtime.folder})")
    for variant, bundle in available_bundles().items():
        print(f"pose model {variant}: {bundle.path} (sha256 {bundle.sha256[:12]}…)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rehab.live.ondevice.serve import serve

    print(f"on-device ingest on http://{args.address}:{args.port}/ondevice/ws (Ctrl+C stops it)")
    serve(args.address, args.port, args.proxy)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "ondevice", help="on-device live sessions: the browser's pose runtime, the ingest"
    )
    sub = parser.add_subparsers(dest="ondevice_command", required=True, metavar="ACTION")
    install = sub.add_parser("install", help=f"fetch and install {PACKAGE}@{VERSION} (pinned)")
    install.set_defaults(handler=cmd_install)
    check = sub.add_parser("check", help="check the installed runtime and pose models")
    check.set_defaults(handler=cmd_check)
    serve = sub.add_parser("serve", help="run the landmark ingest without the dashboard")
    serve.add_argument(
        "--port", type=whole_number(1, 65535), default=8601, help="port (default 8601)"
    )
    serve.add_argument("--address", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument(
        "--proxy",
        default=None,
        metavar="ADDRESS",
        help="the reverse proxy's address: trust its X-Forwarded-For for the client address",
    )
    serve.set_defaults(handler=cmd_serve)
