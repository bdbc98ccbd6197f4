"""Run the `rehab` command as a user does (a real subprocess) and measure its peak memory
(its own, measured by a small go-between: see tests/peak_rss.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PEAK_RSS = Path(__file__).with_name("peak_rss.py")


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_rehab(
    *args: str | Path,
    env: dict[str, str] | None = None,
    timeout_s: float = 300.0,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> CliRun:
    """`python -m rehab.cli ARGS` (through tests/peak_rss.py); killed after `timeout_s`."""
    with tempfile.TemporaryDirectory(prefix="rehab-peak-") as folder:
        report = Path(folder) / "peak_kb"
        command = [sys.executable, str(PEAK_RSS), str(report), sys.executable, "-m", "rehab.cli"]
        process = subprocess.Popen(
            [*command, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ if env is None else env),
            cwd=cwd,
            start_new_session=True,  # its own process group: a timeout kills the command too
        )
        try:
            out, err = process.communicate((stdin or "").encode(), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"rehab {' '.join(map(str, args))}: over {timeout_s} s") from None
        peak_kb = int(report.read_text()) if report.is_file() else 0
    return CliRun(
        process.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        peak_kb / 1024,
    )


def assert_one_line_error(run: CliRun, *fragments: str) -> str:
    """Exit 2, exactly one line on stderr starting `rehab: error: `, no traceback."""
    lines = run.stderr_lines()
    assert run.returncode == 2, f"exit {run.returncode}: {run.stderr}"
    assert len(lines) == 1, f"expected one line on stderr, got:\n{run.stderr}"
    assert lines[0].startswith("rehab: error: "), lines[0]
    assert "Traceback" not in run.stderr
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


PASSWORD = "correct horse battery staple"


def clinic_env(home: Path) -> dict[str, str]:
    """The environment of a command on the SQLite database under `home` (REHAB_HOME)."""
    env = {k: v for k, v in os.environ.items() if k != "REHAB_DATABASE_URL"}
    return env | {
        "REHAB_HOME": str(home),
        "REHAB_NEW_PASSWORD": PASSWORD,
        "REHAB_ADMIN_PASSWORD": PASSWORD,
    }


def make_small_clinic(home: Path, patient_name: str = "Pat Smith") -> None:
    """An admin, a therapist `ther` and a patient #1 `pat`, made with the CLI itself."""
    steps = [
        ("user", "add", "admin", "--name", "Admin", "--role", "admin"),
        ("user", "add", "ther", "--name", "T", "--role", "therapist", "--admin", "admin"),
        ("patient", "add", "pat", "--name", patient_name, "--therapist", "ther",
         "--condition", "knee OA", "--side", "left", "--admin", "admin"),
    ]  # fmt: skip
    for args in steps:
        run = run_rehab(*args, env=clinic_env(home))
        assert run.returncode == 0, run.stderr
