"""Annotate an image: upload a photo, get it back with BlazePose's 33 keypoints drawn."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rehab.dashboard.state import require_user
from rehab.errors import InputError
from rehab.pose.pipeline import annotate_image
from rehab.pose.sources import IMAGE_SUFFIXES

RESULT_KEY = "image_annotation"


@dataclass(frozen=True)
class Annotated:
    file_name: str
    digest: str  # of the uploaded bytes: a new upload is annotated again
    png: bytes
    detected: bool
    visible: int  # keypoints at or above the drawing threshold
    model: str


def annotate(name: str, data: bytes, min_visibility: float = 0.5) -> Annotated:
    """The photo with the skeleton drawn, as PNG; InputError names the uploaded file."""
    with tempfile.TemporaryDirectory(prefix="rehab-image-") as folder:
        source = Path(folder) / f"upload{Path(name).suffix.lower()}"
        source.write_bytes(data)
        output = Path(folder) / "annotated.png"
        try:
            result = annotate_image(source, output, min_visibility=min_visibility)
        except InputError as exc:
            raise InputError(str(exc).replace(str(source), name)) from exc
        visible = (
            int((result.pose.visibility >= min_visibility).sum()) if result.pose.detected else 0
        )
        digest = hashlib.sha256(data).hexdigest()
        return Annotated(
            name, digest, output.read_bytes(), result.pose.detected, visible, result.model
        )


def download_name(name: str) -> str:
    return f"{Path(name).stem}-keypoints.png"


def main() -> None:
    require_user()
    st.title("Annotate an image")
    st.caption(
        "BlazePose finds 33 body keypoints; the person's left side is drawn orange, the right blue."
    )
    upload = st.file_uploader(
        "Photo", type=sorted(s.lstrip(".") for s in IMAGE_SUFFIXES), key="image_upload"
    )
    if upload is None:
        st.info("Upload a photo of a person (JPEG, PNG, WebP…) to see the keypoints drawn on it.")
        return
    cached = st.session_state.get(RESULT_KEY)
    digest = hashlib.sha256(upload.getvalue()).hexdigest()
    if not isinstance(cached, Annotated) or cached.digest != digest:
        with st.spinner("Finding the pose…"):
            try:
                cached = annotate(upload.name, upload.getvalue())
            except InputError as exc:
                st.error(f"This file cannot be annotated: {exc}")
                return
        st.session_state[RESULT_KEY] = cached
    if not cached.detected:
        st.warning("Nobody was found in this photo: the picture is returned without keypoints.")
    else:
        st.success(f"{cached.visible} of 33 keypoints visible ({cached.model}).")
    st.image(cached.png, caption=f"{upload.name} with the keypoints")
    st.download_button(
        "Download the annotated image",
        cached.png,
        file_name=download_name(upload.name),
        mime="image/png",
        icon=":material/download:",
        key="download_image",
    )


if __name__ == "__main__":
    main()
