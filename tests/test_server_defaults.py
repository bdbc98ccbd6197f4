"""`make run` (Streamlit with the repository's .streamlit/config.toml) listens on this
computer only: reachable on 127.0.0.1, refused on the machine's network address."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser_support import REPO_ROOT, free_port


def network_address() -> str:
    """This machine's address on its network (no packet is sent), or skip."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        except OSError:
            pytest.skip("no network interface besides loopback")
        address = str(probe.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    return address


def reachable(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def test_dashboard_listens_on_localhost_only(tmp_path: Path) -> None:
    address = network_address()
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "rehab/server/st_app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
    ]  # fmt: skip  (the same flags as `make run`; the address comes from config.toml)
    env = {**os.environ, "REHAB_HOME": str(tmp_path)}
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    log = (tmp_path / "streamlit.log").open("wb")
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not reachable("127.0.0.1", port):
            assert server.poll() is None, (tmp_path / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.3)
        assert not reachable(address, port), f"the dashboard answers on {address}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
