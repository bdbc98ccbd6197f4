"""Uploaded media's private workspace: never the system's shared temp folder.

Each piece of work (analyse a video, annotate a photo) gets its own folder under
`<data folder>/uploads/` (owner-only), deleted when the work ends, however it ends. A
process that dies mid-work (a crash in native code, a kill) cannot delete its folder, so
the dashboard sweeps, when it starts, the folders of processes that no longer run: a
patient's video never outlives the work it was uploaded for.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rehab.paths import private_data_dir

log = logging.getLogger(__name__)

UPLOADS = "uploads"


def workspace_root() -> Path:
    """`<data folder>/uploads`, created owner-only (0700)."""
    return private_data_dir(UPLOADS)


@contextmanager
def private_workspace() -> Iterator[Path]:
    """A fresh owner-only folder for one piece of work, removed with its content after."""
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=workspace_root()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_leftovers() -> int:
    """Delete the work folders whose process no longer runs; returns how many."""
    swept = 0
    for folder in workspace_root().iterdir():
        owner = _owner_pid(folder.name)
        if owner is not None and _running(owner):
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
        swept += 1
    if swept:
        log.info("removed %d leftover upload folder(s) of stopped processes", swept)
    return swept


def _owner_pid(name: str) -> int | None:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True
