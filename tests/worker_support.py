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
