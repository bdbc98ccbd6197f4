"""`rehab serve` (what `make run` starts) keeps the dashboard's Streamlit settings wherever it
is started from (there is no `.streamlit/config.toml`: they are
`rehab.dashboard.serve.STREAMLIT_OPTIONS`): it listens on this computer only (reachable on
127.0.0.1, refused on the machine's network address), sets the XSRF cookie, and Streamlit
reads the upload limit and the rest from its command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rehab.dashboard.serve import STREAMLIT_OPTIONS, streamlit_command
from tests.browser_support import free_port, wait_healthy


def network_address() -> str | None:
    """This machine's address on its network (no packet is sent); None with loopback only."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def reachable(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def test_rehab_serve_listens_on_localhost_only_with_xsrf(tmp_path: Path) -> None:
    address = network_address()
    port = free_port()
    command = [sys.executable, "-m", "rehab", "serve", "--port", str(port)]
    env = {**os.environ, "REHAB_HOME": str(tmp_path)}
    for name in ("STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"):
        env.pop(name, None)
    log_path = tmp_path / "streamlit.log"
    with log_path.open("wb") as log:  # started away from the checkout: no config file near
        server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, log_path, 60)
        if address is not None:  # else only loopback exists here: nothing else to refuse
            assert not reachable(address, port), f"the dashboard answers on {address}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as page:
            cookies = page.headers.get_all("Set-Cookie") or []
        assert any(c.startswith("_streamlit_xsrf=") for c in cookies), cookies
    finally:
        server.terminate()
        server.wait(timeout=20)
    # `rehab serve` IS the server (exec): stopping it leaves no orphaned Streamlit behind
    deadline = time.monotonic() + 20
    while reachable("127.0.0.1", port):
        assert time.monotonic() < deadline, "the dashboard still answers after its stop"
        time.sleep(0.2)


def test_streamlit_reads_every_option_from_the_command_line() -> None:
    command = streamlit_command(8600)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    # Streamlit's own `run` command line parses the flags (types converted as `streamlit run`
    # does), then its config loader applies them; a fresh process: config is process-wide.
    script = (
        "import json, sys\n"
        "from streamlit import config\n"
        "from streamlit.web import bootstrap, cli\n"
        "ctx = cli.main_run.make_context('run', sys.argv[1:])\n"
        "bootstrap.load_config_options(ctx.params)\n"
        "names = [a[2:] for a in sys.argv[2::2]]\n"
        "print(json.dumps({n: config.get_option(n) for n in names}))\n"
    )
    arguments = command[command.index("run") + 1 :]
    reply = subprocess.run(
        [sys.executable, "-c", script, *arguments], capture_output=True, text=True, check=True
    )
    applied = json.loads(reply.stdout.strip().splitlines()[-1])
    assert applied["server.address"] == "127.0.0.1"
    assert applied["server.port"] == 8600
    assert applied["server.maxUploadSize"] == 200
    assert applied["server.enableXsrfProtection"] is True
    assert applied["browser.gatherUsageStats"] is False
    assert applied["client.toolbarMode"] == "viewer"
    assert set(STREAMLIT_OPTIONS) <= set(applied)
