"""Write a demonstration: an animated GIF, an H.264 MP4, or a PNG of the start and peak
stills side by side. Files are written to a temporary name in the same folder and renamed.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from rehab.core.demonstration import FPS
from rehab.core.exercise import CameraView, Exercise
from rehab.demos.draw import TITLE_PX, DemoDrawer, frame_size
from rehab.demos.scene import DemoScene, build_scene
from rehab.errors import InputError

FORMATS = (".gif", ".mp4", ".png")
GIF_STEP = 2  # every other frame: 15 frames/s is smooth enough and half the size
GAP_PX = 12


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block succeeds."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: output folder {path.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; the result is an ordinary file
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """`data` to `path` through a temporary file in the same folder."""
    with _atomic(path) as tmp:
        tmp.write_bytes(data)


def stills(scene: DemoScene) -> tuple[Image.Image, Image.Image]:
    """(start, peak) frames."""
    start, peak = scene.still_indices()
    drawer = DemoDrawer(scene)
    return drawer.draw(scene.frames[start]), drawer.draw(scene.frames[peak])


def still_pngs(
    exercise: Exercise, language: str = "en", view: CameraView | None = None
) -> tuple[bytes, bytes]:
    """The start and peak stills of `exercise`'s demonstration, as two PNGs for print:
    without the title band (the page names the exercise) and the count."""
    pngs = []
    for image in stills(build_scene(exercise, language, view)):
        image = image.crop((0, TITLE_PX, image.width, image.height))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        pngs.append(buffer.getvalue())
    return pngs[0], pngs[1]


def stills_png(scene: DemoScene) -> bytes:
    """The start and peak stills side by side, as PNG bytes."""
    start, peak = stills(scene)
    width, height = start.size
    sheet = Image.new("RGB", (2 * width + GAP_PX, height), (255, 255, 255))
    sheet.paste(start, (0, 0))
    sheet.paste(peak, (width + GAP_PX, 0))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def gif_bytes(scene: DemoScene) -> bytes:
    """The animation as a looping GIF."""
    drawer = DemoDrawer(scene)
    frames = [drawer.draw(f) for f in scene.frames[::GIF_STEP]]
    start, peak = scene.still_indices()
    sample = Image.new("RGB", (frames[0].width, 2 * frames[0].height))
    sample.paste(frames[start // GIF_STEP], (0, 0))
    sample.paste(frames[peak // GIF_STEP], (0, frames[0].height))
    shared = sample.quantize(colors=48, method=Image.Quantize.MEDIANCUT)
    palette = [f.quantize(palette=shared, dither=Image.Dither.NONE) for f in frames]
    buffer = io.BytesIO()
    palette[0].save(
        buffer, format="GIF", save_all=True, append_images=palette[1:], loop=0,
        duration=round(1000 * GIF_STEP / FPS), optimize=False, disposal=1,
    )  # fmt: skip
    return buffer.getvalue()


def write_mp4(scene: DemoScene, path: Path) -> None:
    from rehab.pose.video_out import H264Writer

    drawer = DemoDrawer(scene)
    with _atomic(path) as tmp, H264Writer(tmp, FPS, frame_size(scene)) as writer:
        for frame in scene.frames:
            writer.write(_rgb(drawer.draw(frame)), frame.t_ms)


def _rgb(image: Image.Image):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.asarray(image, dtype=np.uint8)


def write_demo(
    exercise: Exercise, path: Path, language: str = "en", view: CameraView | None = None
) -> DemoScene:
    """Write the demonstration of `exercise` to `path` (.gif, .mp4 or .png)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path}: write a demonstration as {', '.join(FORMATS)}")
    scene = build_scene(exercise, language, view)
    if suffix == ".mp4":
        write_mp4(scene, path)
        return scene
    write_atomic(path, gif_bytes(scene) if suffix == ".gif" else stills_png(scene))
    return scene
