"""Malformed inputs of every kind the CLI reads: media, landmark files, exercise YAML,
databases. Each maker writes one file into a folder and returns its path; nothing is
committed to the repository.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.hostile_media import png_bytes, write_h264, write_png

N = 33


# --- media -------------------------------------------------------------------------------


def empty(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path, name: str, size: int = 4096, seed: int = 1) -> Path:
    path = folder / name
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def text_as(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("this is not what the name says\n" * 20, encoding="utf-8")
    return path


def truncated_png(folder: Path) -> Path:
    data = png_bytes(640, 480)
    path = folder / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    return path


def sliver_png(folder: Path) -> Path:
    return write_png(folder / "sliver.png", 2, 33_000)


def oversized_video(folder: Path) -> Path:
    """One side over the limit (4098 px), cheap to encode."""
    return write_h264(folder / "wide.mp4", 4098, 1026, frames=1)


def long_video(folder: Path) -> Path:
    return write_h264(folder / "long.mp4", 64, 64, frames=8, fps=Fraction(1, 100))


def video_without_its_index(folder: Path) -> Path:
    """An MP4 cut before its `moov` index (written last without faststart)."""
    source = folder / "whole.mp4"
    with av.open(str(source), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), index * 20, np.uint8))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = source.read_bytes()
    source.unlink()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: data.rfind(b"moov") - 4])
    return cut


def audio_only(folder: Path) -> Path:
    path = folder / "audio.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        silence = np.zeros((2, 1024), np.float32)
        frame = av.AudioFrame.from_ndarray(silence, format="fltp", layout="stereo")
        frame.sample_rate = 44100
        for index in range(5):
            frame.pts = index * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# --- landmark files (.npz) ---------------------------------------------------------------


def _good_arrays(frames: int = 5) -> dict[str, np.ndarray]:
    return {
        "t_ms": np.arange(frames, dtype=np.float64) * 33.3,
        "image_xyz": np.full((frames, N, 3), 0.5),
        "world_xyz": np.zeros((frames, N, 3)),
        "visibility": np.full((frames, N), 0.9),
    }


def _meta(**changes: object) -> np.ndarray:
    meta: dict[str, object] = {
        "format": "rehab-landmarks",
        "version": 1,
        "fps": 30.0,
        "source": "x.mp4",
        "model": "m",
        "image_size": [640, 480],
        "extra": {},
    }
    meta.update(changes)
    return np.array(json.dumps(meta))


def npz(folder: Path, name: str, meta: np.ndarray | None = None, **arrays: np.ndarray) -> Path:
    contents = {**_good_arrays(), **arrays}
    if meta is not None:
        contents["meta"] = meta
    path = folder / name
    np.savez_compressed(path, **contents)  # type: ignore[arg-type]
    return path


_INF = np.full((5, N, 3), np.inf)
_SEVEN = np.full((5, N), 7.0)
_BACKWARDS = np.array([5.0, 1, 2, 3, 4])
NPZ_CASES: dict[str, Callable[[Path], Path]] = {
    "npz without meta": lambda f: npz(f, "nometa.npz"),
    "npz meta of wrong types": lambda f: npz(f, "types.npz", _meta(fps="fast", image_size="big")),
    "npz meta not JSON": lambda f: npz(f, "json.npz", np.array("{not json")),
    "npz arrays of wrong shape": lambda f: npz(f, "shape.npz", _meta(), image_xyz=np.zeros((5, 3))),
    "npz times out of order": lambda f: npz(f, "order.npz", _meta(), t_ms=_BACKWARDS),
    "npz infinite coordinates": lambda f: npz(f, "inf.npz", _meta(), world_xyz=_INF),
    "npz visibility out of range": lambda f: npz(f, "vis.npz", _meta(), visibility=_SEVEN),
    "npz text arrays": lambda f: npz(f, "text.npz", _meta(), t_ms=np.array(["a", "b"])),
    "npz huge declared shape": lambda f: _declared_shape_npz(f),
    "npz zip bomb": lambda f: _zip_bomb_npz(f),
    "npy, not npz": lambda f: _bare_npy(f),
}


def _declared_shape_npz(folder: Path) -> Path:
    """An .npy entry whose header claims 10**10 frames (numpy would allocate 80 GB)."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10**10,)
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    path = folder / "declared.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("t_ms.npy", buffer.getvalue() + bytes(64))
        archive.writestr("meta.npy", _npy_bytes(_meta()))
    return path


def _zip_bomb_npz(folder: Path) -> Path:
    """A 250 MB array of zeros that compresses to a few hundred KB."""
    path = folder / "bomb.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (250_000_000 // 8,)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.npy", _npy_bytes(_meta()))
        with archive.open("t_ms.npy", "w", force_zip64=True) as member:
            head = io.BytesIO()
            np.lib.format.write_array_header_1_0(head, header)
            member.write(head.getvalue())
            chunk = bytes(1 << 20)
            for _ in range(250):
                member.write(chunk)
    return path


def _bare_npy(folder: Path) -> Path:
    path = folder / "bare.npz"
    path.write_bytes(_npy_bytes(np.zeros((4, 4))))
    return path


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# --- exercise files (YAML) ---------------------------------------------------------------

GOOD_EXERCISE = """\
schema_version: 1
id: fuzz_curl
name: Fuzz curl
description: Bend the elbow.
instructions: [Stand tall, Bend the elbow]
body_region: elbow
camera_views: [side]
sides: left
angle: {kind: joint, points: [SHOULDER, ELBOW, WRIST], flexion: true}
rest: {max_deg: 30}
peak: {min_deg: 90}
"""


_ALIASES = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)
_HOLD = GOOD_EXERCISE.replace("rest: {max_deg: 30}\npeak: {min_deg: 90}\n", "")
YAML_CASES: dict[str, str | bytes] = {
    "yaml nested 100,000 deep": "a: " + "[" * 100_000,
    "yaml alias expansion": _ALIASES,
    "yaml NaN angle": GOOD_EXERCISE.replace("max_deg: 30", "max_deg: .nan"),
    "yaml infinite cutoff": GOOD_EXERCISE + "cutoff_hz: .inf\n",
    "yaml angle out of range": GOOD_EXERCISE.replace("90", "900"),
    "yaml negative hold": _HOLD + "hold: {zone: {min_deg: 10}, target_s: -5}\n",
    "yaml not UTF-8": GOOD_EXERCISE.encode("utf-16"),
    "yaml top-level list": "- 1\n- 2\n",
    "yaml binary junk": bytes(range(256)) * 4,
    "yaml huge text": GOOD_EXERCISE + "# " + "x" * 1_000_000 + "\n",
}


def write_yaml_cases(folder: Path) -> dict[str, Path]:
    made = {}
    for n, (name, text) in enumerate(YAML_CASES.items()):
        path = folder / f"case{n}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        made[name] = path
    return made


# --- databases ---------------------------------------------------------------------------


def not_a_database(folder: Path) -> Path:
    return text_as(folder, "notes.db")


def truncated_sqlite(folder: Path) -> Path:
    path = folder / "cut.db"
    path.write_bytes(b"SQLite format 3\x00" + struct.pack(">H", 4096) + bytes(40))
    return path
