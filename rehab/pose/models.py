"""Which pose model to run: `lite`, `full`, `heavy` (built by `rehab models build`) or a
`.task` file of one's own, and the name it is recorded under.

The built bundles live in the models folder: `$REHAB_MODELS_DIR`, else `models/` in the data
folder (`$REHAB_HOME`, else the per-user data folder). The downloads they are built from are
cached under `$REHAB_MODELS_CACHE`, else `model-inputs/` in the per-user cache folder.

A model's recorded name says which weights made the landmarks, because angles measured by
different models are not comparable: `blazepose-full`, or for a file of one's own
`custom:<file stem>@<first 12 hex of its sha256>`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import InputError
from rehab.paths import cache_dir, data_dir
from rehab.pose import model_build

ENV_MODELS_DIR = "REHAB_MODELS_DIR"
ENV_MODELS_CACHE = "REHAB_MODELS_CACHE"
MODEL_NAMES: tuple[str, ...] = model_build.VARIANTS
# The model each use runs unless told otherwise (`--model`, the dashboard's choice). Recorded
# video (uploads, photos, `rehab analyze`, `rehab landmarks`, `rehab annotate`): heavy, the
# only one that counts every shared clip right (README, Accuracy). The webcam: full, about
# 2.5x faster than heavy, for frames in real time.
DEFAULT_VIDEO_MODEL = "heavy"
DEFAULT_LIVE_MODEL = "full"
PEOPLE_CHECK_MODEL = "lite"  # counting people now and then needs no more


class ModelMissingError(InputError):
    """A named model has not been built (or its file was altered)."""


@dataclass(frozen=True)
class PoseModel:
    """A model bundle on disk and the name its landmarks are recorded under."""

    name: str  # "blazepose-full", or "custom:<stem>@<sha12>"
    path: Path


def models_dir() -> Path:
    """Where `rehab models build` writes the bundles and the estimators look for them."""
    configured = os.environ.get(ENV_MODELS_DIR, "").strip()
    return Path(configured).expanduser() if configured else data_dir() / "models"


def models_cache_dir() -> Path:
    """Where the registry downloads the bundles are built from are kept."""
    configured = os.environ.get(ENV_MODELS_CACHE, "").strip()
    return Path(configured).expanduser() if configured else cache_dir() / "model-inputs"


def recorded_name(variant: str) -> str:
    return f"blazepose-{variant}"


@functools.lru_cache(maxsize=32)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """A file's sha256, computed once per version of the file in this process."""
    return model_build.sha256_file(path)


def file_sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


def built_model(variant: str, folder: Path | None = None) -> PoseModel:
    """The built bundle of `variant`; ModelMissingError (one line: what to run) when it is
    not there or not the pinned build."""
    path = (folder or models_dir()) / model_build.bundle_name(variant)
    if not path.is_file():
        raise ModelMissingError(
            f"pose model '{variant}' is not built ({path} is missing): run `rehab models build`"
        )
    if file_sha256(path) != model_build.BUNDLE_SHA256[variant]:
        raise ModelMissingError(
            f"pose model '{variant}' at {path} differs from the pinned build: "
            "run `rehab models build` to rebuild it"
        )
    return PoseModel(recorded_name(variant), path)


def custom_model(path: Path) -> PoseModel:
    """A `.task` file of one's own; a built bundle given by path keeps its built name."""
    if not path.is_file():
        raise InputError(f"{path}: no such model file (expected a MediaPipe .task bundle)")
    digest = file_sha256(path)
    for variant, pinned in model_build.BUNDLE_SHA256.items():
        if digest == pinned:
            return PoseModel(recorded_name(variant), path)
    return PoseModel(f"custom:{path.stem}@{digest[:12]}", path)


def resolve_model(spec: str | Path | None, default: str = DEFAULT_VIDEO_MODEL) -> PoseModel:
    """`lite`, `full`, `heavy`, a path to a `.task` file, or None for `default`."""
    if spec is None or str(spec).strip() == "":
        return built_model(default)
    text = str(spec).strip()
    if text in MODEL_NAMES:
        return built_model(text)
    path = Path(text).expanduser()
    if path.suffix.lower() != ".task":
        raise InputError(
            f"model {text!r}: use {', '.join(MODEL_NAMES)} or the path of a .task bundle"
        )
    return custom_model(path)


def model_choices_help() -> str:
    return f"pose model: {', '.join(MODEL_NAMES)} (built by `rehab models build`) or a .task file"
