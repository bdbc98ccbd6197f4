"""Shared fixtures: the real clips in ../shared/data/videos and their landmark streams.

Tests that need the clips skip when the folder is absent, and fail instead when
REHAB_STRICT=1 (CI sets it), so CI always runs them. Landmark streams of the clips are
extracted once per machine and cached under .cache/ (keyed by clip size, mtime, the
mediapipe version and the model) because BlazePose over all clips takes minutes.

No test connects off this machine (tests/socket_guard.py). The pose models are the ones
`rehab models build` wrote (`make test` builds them first); REHAB_MODELS_DIR is fixed for
the session, so tests that move REHAB_HOME (and the servers they start) still find them.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.socket_guard import refuse_outbound_sockets  # noqa: F401 - autouse, session-wide

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIPS_DIR = Path(os.environ.get("REHAB_CLIPS_DIR", REPO_ROOT.parent / "shared" / "data" / "videos"))
CACHE_DIR = REPO_ROOT / ".cache" / "clip-streams"
STRICT = os.environ.get("REHAB_STRICT") == "1"


def _pin_models_dir() -> None:
    from rehab.pose.models import ENV_MODELS_DIR, models_dir

    os.environ[ENV_MODELS_DIR] = str(models_dir())


_pin_models_dir()


@dataclass(frozen=True)
class Clip:
    path: Path
    exercise: str
    reps: int
    also_ok: int | None
    view: str
    notes: str

    @property
    def name(self) -> str:
        return self.path.name

    def accepted_counts(self) -> set[int]:
        return {self.reps} | ({self.also_ok} if self.also_ok is not None else set())


def require_clips() -> Path:
    """The clips folder, or skip (fail under REHAB_STRICT=1) when it is absent."""
    manifest = CLIPS_DIR / "MANIFEST.csv"
    if not manifest.is_file():
        message = f"shared clips not found at {CLIPS_DIR}"
        if STRICT:
            pytest.fail(message + " (REHAB_STRICT=1 requires them)")
        pytest.skip(message)
    return CLIPS_DIR


def load_manifest() -> list[Clip]:
    folder = require_clips()
    with (folder / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Clip(
            path=folder / row["file"],
            exercise=row["exercise"],
            reps=int(row["reps"]),
            also_ok=int(row["also_ok"]) if row["also_ok"].strip() else None,
            view=row["view"],
            notes=row["notes"],
        )
        for row in rows
    ]


@pytest.fixture(scope="session")
def clips() -> list[Clip]:
    return load_manifest()


def clip_stream(clip: Clip):  # type: ignore[no-untyped-def]
    """The clip's landmark stream, from the cache or extracted now with the real BlazePose."""
    import mediapipe

    from rehab.pose.models import DEFAULT_VIDEO_MODEL, resolve_model
    from rehab.pose.pipeline import extract_stream
    from rehab.streamfile import load_stream, save_stream

    stat = clip.path.stat()
    model = resolve_model(DEFAULT_VIDEO_MODEL).name
    key = f"{clip.path.stem}-{stat.st_size}-{int(stat.st_mtime)}-mp{mediapipe.__version__}-{model}"
    cached = CACHE_DIR / f"{key}.npz"
    if cached.is_file():
        return load_stream(cached)
    stream = extract_stream(clip.path)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    save_stream(stream, cached)
    return stream


@pytest.fixture(scope="session")
def clip_streams(clips: list[Clip]):  # type: ignore[no-untyped-def]
    """{clip file name: LandmarkStream} for every clip in the manifest."""
    return {clip.name: clip_stream(clip) for clip in clips}
