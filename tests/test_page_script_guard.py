"""A worker process started with "spawn" from a Streamlit server re-imports the server's main
script (the page script Streamlit last ran as `__main__`) as `__mp_main__`: the page scripts
must not draw the dashboard then (it crashes the worker: the demo's process pool broke in CI
after an AppTest run). `rehab serve` runs rehab/dashboard/app.py; a checkout's
`streamlit run` and AppTest run streamlit_app.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehab.server import PAGE_SCRIPT
from tests.browser_support import REPO_ROOT

# What a Streamlit server leaves behind after a script run: `__main__` is the page script.
SPAWN_AFTER_A_RUN = """
import multiprocessing, sys, types
main = types.ModuleType("__main__")
main.__file__ = sys.argv[1]
sys.modules["__main__"] = main
with multiprocessing.get_context("spawn").Pool(1) as pool:
    print("worker answered", pool.apply(abs, (-3,)))
"""


@pytest.mark.parametrize(
    "script", [PAGE_SCRIPT, REPO_ROOT / "streamlit_app.py"], ids=["dashboard-app", "checkout"]
)
def test_a_spawned_worker_does_not_draw_the_dashboard(script: Path, tmp_path: Path) -> None:
    reply = subprocess.run(
        [sys.executable, "-c", SPAWN_AFTER_A_RUN, str(script)],
        capture_output=True,
        text=True,
        timeout=120,  # a worker that crashes on start is replaced again and again: a hang
        cwd=REPO_ROOT,
        env={**os.environ, "REHAB_HOME": str(tmp_path)},
    )
    assert "worker answered 3" in reply.stdout, reply.stderr[-3000:]
    assert "Traceback" not in reply.stderr, reply.stderr[-3000:]
