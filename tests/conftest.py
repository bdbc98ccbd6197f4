"""Shared fixtures: the real clips in ../shared/data/videos and their landmark streams.

Tests that need the clips skip when the folder is absent, and fail instead when
REHAB_STRICT=1 (CI sets it), so CI always runs them. Landmark streams of the clips are
extracted once per machine and cached under .cache/ (keyed by clip size, mtime and the
mediapipe version) because BlazePose over all clips takes minutes.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIPS_DIR = Path(os.environ.get("REHAB_CLIPS_DIR", REPO_ROOT.parent / "shared" / "data" / "videos"))
CACHE_DIR = REPO_ROOT / ".cache" / "clip-streams"
STRICT = os.environ.get("REHAB_STRICT") == "1"


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

    from rehab.pose.pipeline import extract_stream
    from rehab.streamfile import load_stream, save_stream

    stat = clip.path.stat()
    key = f"{clip.path.stem}-{stat.st_size}-{int(stat.st_mtime)}-mp{mediapipe.__version__}"
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


@pytest.fixture(scope="session", autouse=True)
def demo_cache_for_the_run() -> None:
    """Demonstrations the pages draw are kept in .cache/demos (keyed by what they show, so
    never stale): drawn once per machine, not once per test. A test may point elsewhere."""
    folder = REPO_ROOT / ".cache" / "demos"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("REHAB_DEMO_CACHE", str(folder))
