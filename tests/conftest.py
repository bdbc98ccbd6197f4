"""Shared fixtures: the real clips in ../shared/data/videos and their landmark streams.

Tests that need the clips skip when the folder is absent, and fail instead when
REHAB_STRICT=1 (CI sets it), so CI always runs them. Landmark streams of the clips are
extracted once per machine and cached outside the checkout ($REHAB_TEST_CACHE, default
~/.cache/rehab-tests: a fresh clone, as CI uses, finds them), keyed by clip size, mtime, the
mediapipe version, the model and a hash of the extraction code (rehab/pose, streamfile), so
a change to how landmarks are made extracts them again. Heavy over all clips takes minutes.

No test connects off this machine (tests/socket_guard.py). The pose models are the ones
`rehab models build` wrote (`make test` builds them first); REHAB_MODELS_DIR is fixed for
the session, so tests that move REHAB_HOME (and the servers they start) still find them.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.socket_guard import refuse_outbound_sockets  # noqa: F401 - autouse, session-wide

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIPS_DIR = Path(os.environ.get("REHAB_CLIPS_DIR", REPO_ROOT.parent / "shared" / "data" / "videos"))
TEST_CACHE = Path(os.environ.get("REHAB_TEST_CACHE", Path.home() / ".cache" / "rehab-tests"))
CACHE_DIR = TEST_CACHE / "clip-streams"
EXTRACTION_CODE = [
    *sorted((REPO_ROOT / "rehab" / "pose").rglob("*.py")),
    REPO_ROOT / "rehab" / "streamfile.py",
]
STRICT = os.environ.get("REHAB_STRICT") == "1"


def _pin_models_dir() -> None:
    from rehab.pose.models import ENV_MODELS_DIR, models_dir

    os.environ[ENV_MODELS_DIR] = str(models_dir())


_pin_models_dir()

MANIFESTS = ("MANIFEST.csv", "MANIFEST2.csv")  # MANIFEST2: the clips of issue 15
MIN_HOLD_TOLERANCE_S = 1.0  # a hold is right within 1 s or 10 % of the hand timing
HOLD_TOLERANCE_SHARE = 0.10


@dataclass(frozen=True)
class Clip:
    """One row of a manifest. `figure` is the `reps` column: a rep count, or for a hold
    exercise the seconds held (a float, e.g. 8.9)."""

    path: Path
    exercise: str
    figure: float
    also_ok: float | None
    view: str
    notes: str
    manifest: str
    is_hold: bool

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def reps(self) -> int:
        """The hand count of a rep exercise."""
        if self.is_hold:
            raise ValueError(f"{self.name} is a hold: its figure is {self.figure} s, not reps")
        return round(self.figure)

    def accepted_counts(self) -> set[int]:
        extra = {round(self.also_ok)} if self.also_ok is not None else set()
        return {self.reps} | extra

    def hold_tolerance_s(self) -> float:
        return max(MIN_HOLD_TOLERANCE_S, HOLD_TOLERANCE_SHARE * self.figure)

    def accepts(self, value: float) -> bool:
        """Is `value` (reps, or seconds held) what the hand count says?"""
        if self.is_hold:
            return abs(value - self.figure) <= self.hold_tolerance_s() + 1e-9
        return value in self.accepted_counts()

    def wanted(self) -> str:
        """The hand figure as the tables show it: '9 (or 8)', '8.9 s +- 1.0'."""
        if self.is_hold:
            return f"{self.figure:g} s +- {self.hold_tolerance_s():.1f}"
        also = f" (or {round(self.also_ok)})" if self.also_ok is not None else ""
        return f"{self.reps}{also}"


def require_clips() -> Path:
    """The clips folder, or skip (fail under REHAB_STRICT=1) when it is absent."""
    manifest = CLIPS_DIR / MANIFESTS[0]
    if not manifest.is_file():
        message = f"shared clips not found at {CLIPS_DIR}"
        if STRICT:
            pytest.fail(message + " (REHAB_STRICT=1 requires them)")
        pytest.skip(message)
    return CLIPS_DIR


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{where}: '{text}' is not a number") from None


def load_manifest() -> list[Clip]:
    """Every clip of every manifest present (MANIFEST.csv must be; MANIFEST2.csv may not)."""
    from rehab.exercise_library import load_library

    folder = require_clips()
    library = load_library()
    clips: list[Clip] = []
    for manifest in MANIFESTS:
        path = folder / manifest
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for line, row in enumerate(rows, start=2):
            where = f"{path} line {line}"
            also = row["also_ok"].strip()
            clips.append(
                Clip(
                    path=folder / row["file"],
                    exercise=row["exercise"],
                    figure=_number(row["reps"], where),
                    also_ok=_number(also, where) if also else None,
                    view=row["view"],
                    notes=row["notes"],
                    manifest=manifest,
                    is_hold=library.get(row["exercise"]).is_hold,
                )
            )
    return clips


@pytest.fixture(scope="session")
def clips() -> list[Clip]:
    return load_manifest()


def set_figure(result, is_hold: bool) -> float:  # type: ignore[no-untyped-def]
    """What a set is compared with the hand count on: reps, or seconds held in all holds."""
    if is_hold:
        return float(sum(h.held_s for h in result.holds))
    return float(result.total_reps)


def live_result(stream, exercise):  # type: ignore[no-untyped-def]
    """The live tracker fed every frame of `stream`, as a webcam would, then finished."""
    from rehab.core.tracker import ExerciseTracker

    tracker = ExerciseTracker(exercise)
    for frame in stream:
        tracker.update(frame)
    tracker.finish()
    return tracker.result()


def clip_stream(clip: Clip, model: str | Path | None = None):  # type: ignore[no-untyped-def]
    """The clip's landmark stream, from the cache or extracted now with the real BlazePose:
    `model` (lite, full, heavy or a `.task` path), by default the product's model for
    recorded video (DEFAULT_VIDEO_MODEL), so these tests judge what an upload gets."""
    import mediapipe

    from rehab.pose.models import resolve_model
    from rehab.pose.options import PoseOptions
    from rehab.pose.pipeline import extract_stream
    from rehab.streamfile import load_stream, save_stream

    stat = clip.path.stat()
    # a built model's name pins its checksum; a custom one's name carries its sha256
    name = resolve_model(model).name.replace(":", "-").replace("@", "-")
    key = (
        f"{clip.path.stem}-{stat.st_size}-{int(stat.st_mtime)}-mp{mediapipe.__version__}-{name}"
        f"-{_extraction_code_hash()}"
    )
    cached = CACHE_DIR / f"{key}.npz"
    if cached.is_file():
        return load_stream(cached)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # test processes in parallel (make test): one extracts a clip, the other waits for it
    with (CACHE_DIR / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if cached.is_file():
            return load_stream(cached)
        stream = extract_stream(clip.path, PoseOptions(model=model))
        save_stream(stream, cached)
    return stream


@functools.cache
def _extraction_code_hash() -> str:
    digest = hashlib.sha256()
    for path in EXTRACTION_CODE:
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of a module that drives Chromium are marked `browser`: their pages answer in
    real time (a webcam's frames, idle timers), so `make test` runs them after the parallel
    part, alone on the machine."""
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and hasattr(module, "launch_chromium"):
            item.add_marker(pytest.mark.browser)
