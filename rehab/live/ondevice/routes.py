"""The on-device routes, on the dashboard's own port (Streamlit's `st.App(routes=...)`) or in
an ingest-only server (`rehab ondevice serve`):

    /ondevice/component/                 the page embedded in the live page (no-cache)
    /ondevice/app/<hash>/<file>          its scripts and style            (immutable, 1 year)
    /ondevice/vendor/tasks-vision-<v>/…  MediaPipe Tasks for Web, pinned  (immutable, gzip)
    /ondevice/models/<sha12>/<file>      the pose model bundles           (immutable)
    /ondevice/ws                         the landmark ingest (WebSocket)

Every response carries a Content-Security-Policy that allows our own origin only (plus
`wasm-unsafe-eval` for the WASM build, `blob:`/`mediastream:` for the local camera), so the
page can load nothing from, and send nothing to, anywhere else. Nothing is served that is
not in a fixed list: no path from the URL ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from rehab.errors import InputError
from rehab.exercise_library import configured_dir, load_library
from rehab.live.ondevice.ingest import IngestHub, Services
from rehab.live.ondevice.models import Bundle, available_bundles
from rehab.live.ondevice.runtime import COMPRESSED, VERSION, WebRuntime, check_runtime
from rehab.live.ondevice.settings import IngestSettings, load_secret
from rehab.store import database_url, open_database

log = logging.getLogger(__name__)

PREFIX = "/ondevice"
WEB_DIR = Path(__file__).resolve().parent / "web"
APP_FILES = ("ondevice.js", "ondevice.css", "pose_engine.js", "pose_worker.js", "skeleton.js")
IMMUTABLE = "public, max-age=31536000, immutable"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "style-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".task": "application/octet-stream",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


@dataclass
class OnDeviceServer:
    """What the routes serve; `problem` says why on-device sessions are off ("" when on)."""

    hub: IngestHub
    runtime: WebRuntime | None
    bundles: dict[str, Bundle]
    problem: str
    app_hash: str = field(default="")

    @property
    def available(self) -> bool:
        return not self.problem


_SERVER: OnDeviceServer | None = None


def current() -> OnDeviceServer | None:
    """This process's on-device server, when its routes were registered (the live page asks)."""
    return _SERVER


def _app_hash() -> str:
    digest = hashlib.sha256()
    for name in (*APP_FILES, "index.html"):
        digest.update(name.encode() + b"\0" + (WEB_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def _headers(cache: str) -> dict[str, str]:
    return {**SECURITY_HEADERS, "Cache-Control": cache}


def _file(path: Path, request: Request, cache: str = IMMUTABLE) -> Response:
    """A file with our headers; its .gz sibling when the browser takes gzip."""
    headers = _headers(cache)
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    gz = path.with_name(path.name + ".gz")
    takes_gzip = "gzip" in request.headers.get("accept-encoding", "")
    headers["Vary"] = "Accept-Encoding"
    if takes_gzip and path.suffix in COMPRESSED and gz.is_file():
        headers["Content-Encoding"] = "gzip"
        return FileResponse(gz, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def _not_found() -> Response:
    return PlainTextResponse("not found", status_code=404, headers=_headers("no-store"))


def _page(server: OnDeviceServer) -> Response:
    app = f"{PREFIX}/app/{server.app_hash}"
    models = {v: f"{PREFIX}/models/{b.url_name}" for v, b in server.bundles.items()}
    values = {
        "app": app,
        "vendor": f"{PREFIX}/vendor/tasks-vision-{VERSION}",
        "models": json.dumps(models),
        "ws": f"{PREFIX}/ws",
    }
    text = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", html.escape(value, quote=True))
    return Response(text, media_type=MEDIA_TYPES[".html"], headers=_headers("no-cache"))


def _routes(server: OnDeviceServer) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        return _page(server) if server.available else _not_found()

    async def app_file(request: Request) -> Response:
        name = request.path_params["name"]
        if request.path_params["hash"] != server.app_hash or name not in APP_FILES:
            return _not_found()
        return _file(WEB_DIR / name, request)

    async def vendor_file(request: Request) -> Response:
        path = server.runtime.path(request.path_params["path"]) if server.runtime else None
        return _file(path, request) if path is not None else _not_found()

    async def model_file(request: Request) -> Response:
        wanted = f"{request.path_params['sha']}/{request.path_params['name']}"
        found = next((b for b in server.bundles.values() if b.url_name == wanted), None)
        return _file(found.path, request) if found is not None else _not_found()

    async def elsewhere(request: Request) -> Response:
        return _not_found()  # any other path under ours: the same 404, with our headers

    return [
        Route(f"{PREFIX}/component/", page),
        Route(f"{PREFIX}/app/{{hash}}/{{name}}", app_file),
        Route(f"{PREFIX}/vendor/tasks-vision-{VERSION}/{{path:path}}", vendor_file),
        Route(f"{PREFIX}/models/{{sha}}/{{name}}", model_file),
        WebSocketRoute(f"{PREFIX}/ws", server.hub.endpoint),
        Route(f"{PREFIX}/{{rest:path}}", elsewhere),  # last: matches what the others do not
    ]


def default_services() -> Services:
    """The database of `REHAB_DATABASE_URL` (or the data folder), the exercise library of
    `REHAB_EXERCISES_DIR` (or the bundled one), the token secret of the configuration."""
    folder = configured_dir()
    url = database_url()
    return Services(lambda: open_database(url), lambda: load_library(folder), load_secret())


def build_server(
    services: Services | None = None, settings: IngestSettings | None = None
) -> OnDeviceServer:
    """The on-device server; its `problem` names what is missing (runtime, models)."""
    hub = IngestHub(services or default_services(), settings)
    problems: list[str] = []
    runtime: WebRuntime | None = None
    bundles: dict[str, Bundle] = {}
    try:
        runtime = check_runtime()
    except InputError as exc:
        problems.append(str(exc))
    try:
        bundles = available_bundles()
    except InputError as exc:
        problems.append(str(exc))
    server = OnDeviceServer(hub, runtime, bundles, "; ".join(problems), _app_hash())
    if problems:
        log.warning("on-device sessions are off: %s", server.problem)
    return server


def ondevice_routes(
    services: Services | None = None, settings: IngestSettings | None = None
) -> list[BaseRoute]:
    """The routes, for `st.App(routes=...)` or a plain Starlette app; registers the server
    for the live page of this process."""
    global _SERVER
    _SERVER = build_server(services, settings)
    return _routes(_SERVER)
