"""`rehab worker --once` as the dashboard's tests need it: a real worker process on the
database and data folder of the test's environment (REHAB_DATABASE_URL, REHAB_HOME)."""

from __future__ import annotations

import os
import subprocess
import sys


def run_worker_once(timeout_s: float = 600) -> None:
    """Do the oldest queued job in a real `rehab worker` process."""
    run = subprocess.run(
        [sys.executable, "-m", "rehab.cli", "worker", "--once"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert run.returncode == 0, run.stderr


class RehabWorker:
    """`rehab worker` running beside a test's dashboard server (what `make run` does)."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = {**os.environ, **env}
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RehabWorker:
        command = [sys.executable, "-m", "rehab.cli", "worker", "--poll-s", "0.3"]
        self._process = subprocess.Popen(command, env=self._env)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._process is not None
        self._process.terminate()  # SIGTERM: a running job goes back to the queue
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
