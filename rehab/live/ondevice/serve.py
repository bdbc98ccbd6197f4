"""An ingest-only server: the on-device routes without Streamlit, for running several ingest
processes behind a reverse proxy (docs/live.md) and for the load benchmark.

    rehab ondevice serve --port 8601

Its WebSocket messages are limited to 64 KiB (a batch of 32 frames is 30 KiB); Streamlit's
own server allows 200 MB for its own socket, which a shared port cannot change.
"""

from __future__ import annotations

import logging

import uvicorn
from starlette.applications import Starlette

from rehab.live.ondevice.ingest import Services
from rehab.live.ondevice.routes import ondevice_routes
from rehab.live.ondevice.settings import IngestSettings

log = logging.getLogger(__name__)

WS_MAX_BYTES = 64 * 1024


def create_app(
    services: Services | None = None, settings: IngestSettings | None = None
) -> Starlette:
    """A Starlette app with the on-device routes only."""
    return Starlette(routes=ondevice_routes(services, settings))


def uvicorn_config(
    app: Starlette, host: str, port: int, proxy: str | None = None
) -> uvicorn.Config:
    """The ingest's uvicorn settings: small messages, pings, the proxy's forwarded address
    trusted only from `proxy`."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ws_max_size=WS_MAX_BYTES,
        ws_per_message_deflate=False,  # landmark floats barely compress; inflating costs CPU
        loop="uvloop",  # libuv's event loop: less CPU a message than asyncio's (docs/live.md)
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        proxy_headers=proxy is not None,
        forwarded_allow_ips=proxy or "",
        log_level="warning",
        lifespan="off",
    )


def serve(host: str, port: int, proxy: str | None = None) -> None:
    """Run the ingest until interrupted."""
    uvicorn.Server(uvicorn_config(create_app(), host, port, proxy)).run()
