"""Small files that announce huge or odd media: made on the fly (numpy, zlib, PyAV).

Each is a few hundred bytes to a few hundred kilobytes on disk but asks a decoder for
gigabytes or for shapes native code does not expect.
"""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av


def png_bytes(width: int, height: int, color_type: int = 2) -> bytes:
    """A valid black PNG (8-bit RGB by default), compressed to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    channels = {0: 1, 2: 3, 6: 4}[color_type]
    row = b"\x00" + bytes(width * channels)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def write_png(path: Path, width: int, height: int) -> Path:
    path.write_bytes(png_bytes(width, height))
    return path


def write_h264(
    path: Path,
    width: int,
    height: int,
    frames: int,
    fps: Fraction = Fraction(30),
) -> Path:
    """A black H.264 video (a low `fps` makes a long video of few frames)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "51"}
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for index in range(frames):
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
