"""Uploaded media stays in a private folder under the data folder and never outlives its
work: removed after use (also on failure), and a crashed process's leftovers are swept."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rehab.media_workspace import private_workspace, sweep_leftovers, workspace_root

# a process that starts analysing an upload, then dies without cleaning up (kill -9)
CRASHING_WORK = """
import sys, time
from rehab.media_workspace import private_workspace
with private_workspace() as folder:
    (folder / "upload.mp4").write_bytes(b"a patient's video")
    print(folder, flush=True)
    time.sleep(600)
"""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REHAB_HOME", str(tmp_path))
    return tmp_path


def test_work_folder_is_private_under_the_data_folder_and_removed_after(home: Path) -> None:
    with private_workspace() as folder:
        (folder / "upload.mp4").write_bytes(b"video")
        assert folder.parent == home / "uploads" == workspace_root()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert not folder.exists()


def test_work_folder_is_removed_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), private_workspace() as folder:
        (folder / "upload.mp4").write_bytes(b"video")
        raise RuntimeError("decoder crashed")
    assert not folder.exists()


def test_leftovers_of_a_killed_process_are_swept_and_live_work_is_kept(home: Path) -> None:
    env = {**os.environ, "REHAB_HOME": str(home), "PYTHONPATH": str(Path.cwd())}
    worker = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WORK], stdout=subprocess.PIPE, text=True, env=env
    )
    assert worker.stdout is not None
    left = Path(worker.stdout.readline().strip())
    assert (left / "upload.mp4").exists()
    with private_workspace() as ours:
        assert sweep_leftovers() == 0  # the worker still runs: its work is not touched
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert left.exists()  # nothing cleaned up after the kill
        assert sweep_leftovers() == 1
        assert not left.exists() and ours.exists()  # this process's own work is kept
    assert list(workspace_root().iterdir()) == []
