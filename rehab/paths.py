"""Where the program keeps its files on this computer (written through `rehab.outputs`).

- data folder: `$REHAB_HOME`, else the per-user data folder (platformdirs; on Linux
  `~/.local/share/rehab`): the SQLite database, the built pose models (`models/`).
- cache folder: the per-user cache folder (`~/.cache/rehab`): what can be fetched or drawn
  again (model downloads, demonstrations).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_HOME = "REHAB_HOME"


def data_dir() -> Path:
    """The data folder: `$REHAB_HOME`, or the per-user data dir (created when missing)."""
    home = os.environ.get(ENV_HOME)
    folder = Path(home).expanduser() if home else Path(platformdirs.user_data_dir("rehab", False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def private_data_dir(name: str) -> Path:
    """`<data folder>/<name>`, created owner-only (0700) and kept so: it holds patients'
    uploads, which no other account on the computer may read."""
    folder = data_dir() / name
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    return folder


def cache_dir() -> Path:
    """The per-user cache folder (not created here)."""
    return Path(platformdirs.user_cache_dir("rehab", False))
