"""Test support for the on-device ingest: a real uvicorn server on loopback (in a thread) and
a WebSocket client that speaks the protocol (websockets' sync client).

    with IngestServer(services, settings) as server, server.client() as client:
        client.hello(token)
        client.send_frames(frames)
"""

from __future__ import annotations

import fcntl
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from rehab.core.landmarks import PoseFrame
from rehab.live.ondevice.ingest import IngestHub, Services
from rehab.live.ondevice.models import ModelMissing, available_bundles
from rehab.live.ondevice.protocol import encode_batch, frame_values
from rehab.live.ondevice.routes import current
from rehab.live.ondevice.runtime import RuntimeMissing, install_runtime
from rehab.live.ondevice.serve import create_app, uvicorn_config
from rehab.live.ondevice.settings import IngestSettings
from tests.browser_support import REPO_ROOT, STRICT, free_port

SECRET = b"test-secret-for-the-ingest-0123456789abcdef"


class IngestServer:
    """The ingest-only app under uvicorn on 127.0.0.1:<free port>, in a thread."""

    def __init__(self, services: Services, settings: IngestSettings | None = None) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/ondevice/ws"
        self.origin = f"http://127.0.0.1:{self.port}"
        app = create_app(services, settings)
        server = current()
        assert server is not None
        self.hub: IngestHub = server.hub
        self._server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._server.run, name="ingest", daemon=True)

    def __enter__(self) -> IngestServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the ingest server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(15)
        self.hub.close()

    @contextmanager
    def client(self, origin: str | None = None, **options: Any) -> Iterator[Client]:
        ws = connect(
            self.url,
            origin=origin or self.origin,  # type: ignore[arg-type]
            proxy=None,
            compression=None,
            open_timeout=20,
            **options,
        )
        try:
            yield Client(ws)
        finally:
            ws.close()


class Client:
    """One patient's page, as far as the protocol goes."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seq = 0
        self.token = ""
        self.last_status: dict[str, Any] = {}
        self.said: list[str] = []

    def hello(self, token: str, model: str = "full", fps: float = 30.0) -> dict[str, Any]:
        self.send_json({"type": "hello", "v": 1, "token": token, "model": model, "fps": fps,
                        "width": 640, "height": 480})  # fmt: skip
        reply = self.receive()
        assert reply["type"] == "ready", reply
        return reply

    def send_json(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def receive(self, timeout_s: float = 30.0) -> dict[str, Any]:
        reply: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout_s))
        if reply.get("token"):
            self.token = reply["token"]
        if reply.get("status"):
            self.last_status = reply["status"]
        self.said += reply.get("speak", [])
        return reply

    def send_batch(
        self, frames: Sequence[PoseFrame], t_ms: Sequence[float] | None = None
    ) -> dict[str, Any]:
        """One batch; waits for its update."""
        self.seq += 1
        times = list(t_ms) if t_ms is not None else [f.t_ms for f in frames]
        self.ws.send(encode_batch(self.seq, times, [frame_values(f) for f in frames]))
        while True:
            reply = self.receive()
            if reply["type"] != "update" or reply["seq"] == self.seq:
                return reply

    def send_frames(self, frames: Sequence[PoseFrame], per_batch: int = 2) -> dict[str, Any]:
        reply: dict[str, Any] = {}
        for start in range(0, len(frames), per_batch):
            reply = self.send_batch(frames[start : start + per_batch])
        return reply

    def closed(self, timeout_s: float = 30.0) -> tuple[int, str]:
        """Wait for the server to close; its code and reason."""
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                self.receive(timeout_s)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, "closed without a close frame"
            return exc.rcvd.code, exc.rcvd.reason
        raise AssertionError("the server did not close the connection")


# -- what a browser test of the on-device page needs ------------------------------------------


def installed_runtime() -> Path:
    """The pinned browser runtime, installed once per checkout under .cache/ (the npm tarball
    is cached there too); skip (fail under REHAB_STRICT=1) when it cannot be fetched."""
    folder = REPO_ROOT / ".cache" / "ondevice-web"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with (folder / ".lock").open("w") as lock:  # test processes in parallel: one fetches
            fcntl.flock(lock, fcntl.LOCK_EX)
            return install_runtime(folder, REPO_ROOT / ".cache" / "npm").parent
    except RuntimeMissing as exc:
        message = f"the on-device runtime cannot be installed: {exc}"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)


def model_folder() -> Path:
    """The built pose bundles (lite and full at least): `$REHAB_MODELS_DIR`, else the data
    folder's `models/`; skip (fail under REHAB_STRICT=1) when they are not built."""
    try:
        bundles = available_bundles()
    except ModelMissing as exc:
        if STRICT:
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    return bundles["full"].path.parent
