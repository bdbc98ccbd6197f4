"""Real-browser test support: a Streamlit server on a free port and Debian's Chromium.

Playwright drives the system Chromium (`executable_path=shutil.which("chromium")`); it never
downloads a browser. Without Chromium the browser tests skip, and fail under REHAB_STRICT=1.

    from tests.browser_support import StreamlitServer, launch_chromium

    with StreamlitServer(env={"REHAB_DATABASE_URL": url}) as server, launch_chromium() as browser:
        page = browser.new_page()
        page.goto(server.url)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "artifacts"  # screenshots for a person to look at (git-ignored)
STRICT = os.environ.get("REHAB_STRICT") == "1"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium, or skip (fail under REHAB_STRICT=1) when it is not installed."""
    path = shutil.which("chromium")
    if path is None:
        message = "Debian chromium is not installed (apt-get install chromium)"
        if STRICT:
            pytest.fail(message + "; REHAB_STRICT=1 requires it")
        pytest.skip(message)
    return path


@contextmanager
def launch_chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A Playwright Browser on the system Chromium (extra args e.g. for a fake webcam)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Until the Streamlit server at `url` answers its health check; RuntimeError (with the
    end of its `log`) when it exits first or does not answer within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"the server exited early; see {log}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not start in {timeout_s:.0f} s; see {log}")


class StreamlitServer:
    """The dashboard as `rehab serve` starts it (the launcher rehab/server/st_app.py: the pages
    with the /auth/ routes, the on-device routes and security headers; or another Streamlit
    script `app`) on 127.0.0.1:<free port> with extra environment; `log_text` is the
    server's output."""

    def __init__(
        self,
        app: Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout_s: float = 60.0,
    ) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(env or {})}
        self._timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._log = ARTIFACTS / f"streamlit-{self.port}.log"

    def __enter__(self) -> StreamlitServer:
        from rehab.dashboard.serve import streamlit_command

        ARTIFACTS.mkdir(exist_ok=True)
        command = streamlit_command(self.port, "127.0.0.1", {"server.fileWatcherType": "none"})
        if self.app is not None:
            command[command.index("run") + 1] = str(self.app)
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        wait_healthy(self.url, self._process, self._log, self._timeout_s)

    def __exit__(self, *exc_info: object) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)

    @property
    def log_text(self) -> str:
        return self._log.read_text(errors="replace") if self._log.is_file() else ""
