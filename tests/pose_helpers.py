"""Small real inputs made on the fly for the pose tests (no files committed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def astronaut_png(folder: Path) -> Path:
    """scikit-image's astronaut: a real upper-body photo of a person (512x512)."""
    import skimage.data

    return write_rgb(folder / "astronaut.png", skimage.data.astronaut())


def nobody_png(folder: Path) -> Path:
    """A real photo with no person in it (scikit-image's coffee cup)."""
    import skimage.data

    return write_rgb(folder / "coffee.png", skimage.data.coffee())
