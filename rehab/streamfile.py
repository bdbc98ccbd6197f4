"""Landmark stream files (`.npz`): save a session's poses, re-analyse them later without video.

Format version 1: arrays `t_ms` (T,), `image_xyz` (T,33,3), `world_xyz` (T,33,3),
`visibility` (T,33) as float64, plus `meta`, a JSON string with format/version/fps/source/
model/image_size and free-form `extra` strings. No pickles: files from elsewhere are safe to load.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rehab.core.landmarks import LandmarkStream, StreamInfo
from rehab.errors import StreamFileError

FORMAT_NAME = "rehab-landmarks"
FORMAT_VERSION = 1
_ARRAYS = ("t_ms", "image_xyz", "world_xyz", "visibility")


def save_stream(stream: LandmarkStream, path: str | Path) -> Path:
    """Write `stream` to `path` (adds `.npz` when missing) and return the path written."""
    target = Path(path)
    if target.suffix != ".npz":
        target = target.with_name(target.name + ".npz")
    if not target.parent.is_dir():
        raise StreamFileError(f"{target}: folder {target.parent} does not exist")
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "fps": stream.info.fps,
        "source": stream.info.source,
        "model": stream.info.model,
        "image_size": list(stream.info.image_size),
        "extra": stream.extra,
    }
    arrays = {name: getattr(stream, name) for name in _ARRAYS}
    np.savez_compressed(target, meta=np.array(json.dumps(meta)), **arrays)
    return target


def load_stream(path: str | Path) -> LandmarkStream:
    """Read a stream written by `save_stream`; StreamFileError says what is wrong."""
    source = Path(path)
    if not source.is_file():
        raise StreamFileError(f"{source}: no such landmark file")
    try:
        with np.load(source, allow_pickle=False) as data:
            meta = _read_meta(source, data)
            arrays = {name: _read_array(source, data, name) for name in _ARRAYS}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StreamFileError(f"{source}: not a readable landmark file ({exc})") from exc
    info = StreamInfo(
        fps=float(meta["fps"]),
        source=str(meta["source"]),
        model=str(meta["model"]),
        image_size=(int(meta["image_size"][0]), int(meta["image_size"][1])),
    )
    try:
        return LandmarkStream(info=info, extra=dict(meta.get("extra", {})), **arrays)
    except ValueError as exc:
        raise StreamFileError(f"{source}: inconsistent arrays ({exc})") from exc


def _read_meta(source: Path, data: np.lib.npyio.NpzFile) -> dict[str, Any]:
    if "meta" not in data.files:
        raise StreamFileError(f"{source}: not a rehab landmark file (no 'meta' entry)")
    meta = json.loads(str(data["meta"]))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise StreamFileError(f"{source}: not a rehab landmark file")
    version = meta.get("version")
    if version != FORMAT_VERSION:
        raise StreamFileError(
            f"{source}: landmark file version {version} is not supported "
            f"(this program reads version {FORMAT_VERSION}); upgrade rehab"
        )
    missing = {"fps", "source", "model", "image_size"} - set(meta)
    if missing:
        raise StreamFileError(f"{source}: metadata lacks {', '.join(sorted(missing))}")
    return meta


def _read_array(source: Path, data: np.lib.npyio.NpzFile, name: str) -> npt.NDArray[np.float64]:
    if name not in data.files:
        raise StreamFileError(f"{source}: array '{name}' is missing")
    return np.asarray(data[name], dtype=np.float64)
