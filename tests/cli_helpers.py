"""Running `rehab` as a user would (a subprocess) and the CLI's error contract: a user error
is one line `rehab: error: ...` on stderr, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def rehab(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "rehab.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    # a log line of the store ("WARNING rehab.store.access: refused ...") may come first
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith("WARN")]
    assert len(lines) == 1, f"expected one line, got: {result.stderr}"
    assert lines[0].startswith("rehab: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
