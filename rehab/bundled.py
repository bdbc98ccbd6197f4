"""Folders that ship with the program: the exercise library, the database migrations and the
questionnaires.

In a checkout (and an editable install) they are the top-level `exercises/`, `migrations/`
and `questionnaires/`; an installed wheel carries them as `rehab/_data/<name>/` (setup.py).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The folder `name` ("exercises", "migrations" or "questionnaires"): the wheel's copy,
    else the checkout's."""
    packaged = PACKAGE_DIR / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name
