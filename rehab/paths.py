"""Where the program keeps its files on this computer, and how it writes them.

- data folder: `$REHAB_HOME`, else the per-user data folder (platformdirs; on Linux
  `~/.local/share/rehab`): the SQLite database, the built pose models (`models/`).
- cache folder: the per-user cache folder (`~/.cache/rehab`): what can be fetched or drawn
  again (model downloads, demonstrations).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

ENV_HOME = "REHAB_HOME"


def data_dir() -> Path:
    """The data folder: `$REHAB_HOME`, or the per-user data dir (created when missing)."""
    home = os.environ.get(ENV_HOME)
    folder = Path(home).expanduser() if home else Path(platformdirs.user_data_dir("rehab", False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_dir() -> Path:
    """The per-user cache folder (not created here)."""
    return Path(platformdirs.user_cache_dir("rehab", False))


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """`data` to `path` through a temporary file in the same folder and a rename: a reader
    sees the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
