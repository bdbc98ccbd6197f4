"""Landmark stream files (`.npz`): save a session's poses, re-analyse them later without video.

Format version 1: arrays `t_ms` (T,), `image_xyz` (T,33,3), `world_xyz` (T,33,3),
`visibility` (T,33) as float64, optionally `people_count` (T,) int64 (people counted per
frame, -1 where not counted; older files have none and read as -1), plus `meta`, a JSON
string with format/version/fps/source/model/image_size and free-form `extra` strings.
No pickles: files from elsewhere are safe to load.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rehab.core.landmarks import LandmarkStream, StreamInfo
from rehab.errors import StreamFileError
from rehab.outputs import atomic_output

FORMAT_NAME = "rehab-landmarks"
FORMAT_VERSION = 1
_ARRAYS = ("t_ms", "image_xyz", "world_xyz", "visibility")
MAX_FRAMES = 120_000  # over an hour at 30 frames a second
MAX_ARRAY_BYTES = MAX_FRAMES * 33 * 3 * 8 + 4096  # the largest array, plus its header
MAX_META_BYTES = 1_000_000
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with entries, an empty one
MAX_COORDINATE = 1e6  # image coordinates are ~0-1, world ones metres: anything near this is junk


def stream_path(path: str | Path) -> Path:
    """The file `save_stream` writes for `path`: `.npz` added when missing."""
    target = Path(path)
    return target if target.suffix == ".npz" else target.with_name(target.name + ".npz")


def save_stream(stream: LandmarkStream, path: str | Path) -> Path:
    """Write `stream` to `path` (adds `.npz` when missing) and return the path written.

    Written atomically (a temporary file renamed at the end): never a half-written file."""
    target = stream_path(path)
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
    arrays["people_count"] = stream.people_count
    with atomic_output(target) as partial:
        np.savez_compressed(partial, meta=np.array(json.dumps(meta)), **arrays)
    return target


def load_stream(path: str | Path) -> LandmarkStream:
    """Read a stream written by `save_stream`; StreamFileError says what is wrong.

    Sizes are checked from the zip directory before anything is decompressed, and every
    value is checked after (finite times in order, coordinates finite or NaN, visibility
    in 0-1 or NaN): a corrupt or hostile file is refused, never half-used.
    """
    source = Path(path)
    if not source.is_file():
        raise StreamFileError(f"{source}: no such landmark file")
    if source.stat().st_size == 0:
        raise StreamFileError(f"{source}: the file is empty")
    with source.open("rb") as handle:
        if handle.read(4) not in ZIP_MAGIC:  # np.load would read a bare .npy or a pickle
            raise StreamFileError(f"{source}: not a readable landmark file (not an .npz archive)")
    try:
        with np.load(source, allow_pickle=False) as data:
            _check_sizes(source, data)
            meta = _read_meta(source, data)
            arrays = {name: _read_array(source, data, name) for name in _ARRAYS}
            people = _read_people(source, data)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise StreamFileError(f"{source}: not a readable landmark file ({exc})") from exc
    _check_values(source, arrays)
    info = StreamInfo(meta.fps, meta.source, meta.model, meta.image_size)
    try:
        return LandmarkStream(info=info, extra=dict(meta.extra), people_count=people, **arrays)
    except ValueError as exc:
        raise StreamFileError(f"{source}: inconsistent arrays ({exc})") from exc


class _Meta(BaseModel):
    """The `meta` entry, checked field by field."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    format: Literal["rehab-landmarks"]
    version: int
    fps: float = Field(gt=0, le=1000)
    source: str = Field(max_length=1000)
    model: str = Field(max_length=1000)
    image_size: tuple[
        Annotated[int, Field(gt=0, le=100_000)], Annotated[int, Field(gt=0, le=100_000)]
    ]
    extra: dict[str, str] = {}


def _check_sizes(source: Path, data: np.lib.npyio.NpzFile) -> None:
    """Refuse before decompressing: entries whose unpacked size, or whose declared array
    shape, is beyond any real stream (numpy allocates what an array's header declares)."""
    archive = data.zip
    assert archive is not None
    for info in archive.infolist():
        limit = MAX_META_BYTES if info.filename.startswith("meta") else MAX_ARRAY_BYTES
        if info.file_size > limit:
            raise StreamFileError(
                f"{source}: entry {info.filename} unpacks to {info.file_size:,} bytes, more "
                f"than a landmark stream of {MAX_FRAMES:,} frames needs"
            )
        if info.filename.endswith(".npy"):
            with archive.open(info) as member:
                declared = _declared_bytes(member)
            if declared > limit:
                raise StreamFileError(
                    f"{source}: entry {info.filename} declares an array of {declared:,} bytes"
                )


def _declared_bytes(member: IO[bytes]) -> int:
    """Bytes an .npy entry's header says its array holds."""
    npy: Any = np.lib.format  # numpy's .npy helpers are untyped
    version = npy.read_magic(member)
    if version == (1, 0):
        shape, _order, dtype = npy.read_array_header_1_0(member)
    else:
        shape, _order, dtype = npy.read_array_header_2_0(member)
    return int(np.prod(shape, dtype=object)) * int(dtype.itemsize)


def _read_meta(source: Path, data: np.lib.npyio.NpzFile) -> _Meta:
    if "meta" not in data.files:
        raise StreamFileError(f"{source}: not a rehab landmark file (no 'meta' entry)")
    try:
        raw = json.loads(str(data["meta"]))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise StreamFileError(f"{source}: its metadata is not valid JSON") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise StreamFileError(f"{source}: not a rehab landmark file")
    if raw.get("version") != FORMAT_VERSION:
        raise StreamFileError(
            f"{source}: landmark file version {raw.get('version')} is not supported "
            f"(this program reads version {FORMAT_VERSION}); upgrade rehab"
        )
    if isinstance(raw.get("image_size"), list):
        raw["image_size"] = tuple(raw["image_size"])
    if isinstance(raw.get("fps"), int) and not isinstance(raw.get("fps"), bool):
        raw["fps"] = float(raw["fps"])
    try:
        return _Meta.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "meta"
        raise StreamFileError(f"{source}: metadata {where}: {first['msg']}") from exc


def _read_array(source: Path, data: np.lib.npyio.NpzFile, name: str) -> npt.NDArray[np.float64]:
    if name not in data.files:
        raise StreamFileError(f"{source}: array '{name}' is missing")
    array = data[name]
    if array.dtype.kind not in "fiu":
        raise StreamFileError(f"{source}: array '{name}' holds {array.dtype}, not numbers")
    return np.asarray(array, dtype=np.float64)


def _read_people(source: Path, data: np.lib.npyio.NpzFile) -> npt.NDArray[np.int64]:
    """The optional people counts (empty when the file has none: read as not counted)."""
    if "people_count" not in data.files:
        return np.empty(0, dtype=np.int64)
    array = data["people_count"]
    if array.dtype.kind not in "iu" or array.ndim != 1:
        raise StreamFileError(f"{source}: array 'people_count' must be a list of whole numbers")
    people = np.asarray(array, dtype=np.int64)
    if (people < -1).any():
        raise StreamFileError(f"{source}: people_count must be -1 (not counted) or more")
    return people


def _check_values(source: Path, arrays: dict[str, npt.NDArray[np.float64]]) -> None:
    t_ms = arrays["t_ms"]
    if t_ms.ndim != 1 or len(t_ms) > MAX_FRAMES:
        raise StreamFileError(f"{source}: t_ms must be a list of at most {MAX_FRAMES:,} times")
    if not np.isfinite(t_ms).all() or (np.diff(t_ms) < 0).any():
        raise StreamFileError(f"{source}: t_ms must be finite times in increasing order")
    for name in ("image_xyz", "world_xyz"):
        values = arrays[name]
        if np.isinf(values).any() or (np.abs(np.nan_to_num(values)) > MAX_COORDINATE).any():
            raise StreamFileError(f"{source}: {name} holds values out of range")
    visibility = arrays["visibility"]
    seen = visibility[~np.isnan(visibility)]
    if ((seen < 0) | (seen > 1)).any():
        raise StreamFileError(f"{source}: visibility must lie between 0 and 1 (or be NaN)")
