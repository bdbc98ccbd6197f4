"""A progress bar on stderr for long CLI jobs."""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(total: int | None, unit: str, desc: str) -> Any:
    """A tqdm bar (context manager with `.update(n)`); hidden when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total or None, unit=unit, desc=desc, file=sys.stderr, leave=False, disable=None
    )
