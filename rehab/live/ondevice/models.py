"""The pose model bundles the browser downloads from our server.

The `.task` bundles are built by the pose-stack work (`rehab models build`) into the models
folder: `$REHAB_MODELS_DIR`, else `models/` in the data folder. Until that lands this module
only locates them (one function, `bundle`, to swap for `rehab.pose.models.built_model`); the
ingest serves each under a URL with its content hash, so a browser may cache it for a year.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import InputError
from rehab.live.ondevice.runtime import file_sha256
from rehab.paths import data_dir

ENV_MODELS_DIR = "REHAB_MODELS_DIR"
VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"  # accuracy like the legacy model on the clips (docs/live.md)
SLOW_VARIANT = "lite"  # below ~10 frames/s in the set-up check the page switches to this


class ModelMissing(InputError):
    """A pose model bundle is not built."""


@dataclass(frozen=True)
class Bundle:
    variant: str
    path: Path
    sha256: str

    @property
    def recorded_name(self) -> str:
        """The name a set's landmarks are recorded under (as the Python estimators do)."""
        return recorded_name(self.variant)

    @property
    def url_name(self) -> str:
        """`<12 hex of sha256>/<file name>`: a new build gets a new URL."""
        return f"{self.sha256[:12]}/{self.path.name}"


def recorded_name(variant: str) -> str:
    return f"blazepose-{variant}"


def models_dir() -> Path:
    configured = os.environ.get(ENV_MODELS_DIR, "").strip()
    return Path(configured).expanduser() if configured else data_dir() / "models"


def bundle(variant: str, folder: Path | None = None) -> Bundle:
    """The built bundle of `variant`; ModelMissing (what to run) when it is not there."""
    if variant not in VARIANTS:
        raise ModelMissing(f"unknown pose model '{variant}' (use one of {', '.join(VARIANTS)})")
    path = (folder or models_dir()) / f"pose_landmarker_{variant}.task"
    if not path.is_file() or path.stat().st_size == 0:
        raise ModelMissing(
            f"pose model '{variant}' is not built ({path} is missing): run `rehab models build` "
            f"or set {ENV_MODELS_DIR} to the folder that holds it"
        )
    return Bundle(variant, path, file_sha256(path))


def available_bundles(folder: Path | None = None) -> dict[str, Bundle]:
    """Every built bundle; ModelMissing when the default (full) and lite are not both there
    (the page needs both: it falls back to lite on a slow device)."""
    found = {}
    for variant in VARIANTS:
        try:
            found[variant] = bundle(variant, folder)
        except ModelMissing:
            if variant in (DEFAULT_VARIANT, SLOW_VARIANT):
                raise
    return found
