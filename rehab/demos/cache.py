"""Demonstrations kept on disk, so a page shows one at once instead of drawing it (seconds).

A file is named after what it shows: the exercise definition, the language, the format, and
the code and catalogue that draw it, so a changed exercise or a changed drawing makes a new
file and an old one is never served. Folder: `$REHAB_DEMO_CACHE`, else the user's cache
folder (platformdirs). Writes are atomic, so two pages drawing the same demonstration at
once both end with a whole file.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from rehab.core.exercise import Exercise
from rehab.demos.output import gif_bytes, still_pngs, write_atomic
from rehab.demos.scene import build_scene
from rehab.i18n import catalog_path
from rehab.paths import cache_dir as user_cache_dir

ENV_CACHE = "REHAB_DEMO_CACHE"
_CODE = ("core/demonstration.py", "core/synthetic.py", "core/body_motion.py", "demos/scene.py",
         "demos/draw.py", "demos/output.py", "demos/words.py")  # fmt: skip


def cache_dir() -> Path:
    configured = os.environ.get(ENV_CACHE)
    folder = Path(configured) if configured else user_cache_dir()
    folder = folder / "demos" if not configured else folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.cache
def _drawing_version() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((root / name).read_bytes())
    for language in ("es",):
        digest.update(catalog_path(language).read_bytes())
    return digest.hexdigest()[:12]


def _path(exercise: Exercise, language: str, kind: str) -> Path:
    key = hashlib.sha256(
        f"{exercise.model_dump_json()}|{language}|{_drawing_version()}".encode()
    ).hexdigest()[:16]
    return cache_dir() / f"{exercise.id}-{language}-{key}.{kind}"


def demo_gif(exercise: Exercise, language: str = "en") -> bytes:
    """The animated demonstration as GIF bytes, drawn once per exercise version."""
    path = _path(exercise, language, "gif")
    if path.is_file():
        return path.read_bytes()
    data = gif_bytes(build_scene(exercise, language))
    write_atomic(path, data)
    return data


def demo_stills(exercise: Exercise, language: str = "en") -> tuple[bytes, bytes]:
    """The start and peak stills for print (PNG bytes), drawn once per exercise version."""
    start, peak = _path(exercise, language, "start.png"), _path(exercise, language, "peak.png")
    if start.is_file() and peak.is_file():
        return start.read_bytes(), peak.read_bytes()
    pngs = still_pngs(exercise, language)
    write_atomic(start, pngs[0])
    write_atomic(peak, pngs[1])
    return pngs
