"""Annotate an image: upload a photo, get it back with BlazePose's 33 keypoints drawn."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rehab.dashboard.media import Annotated, annotate, digest_of
from rehab.dashboard.state import require_user
from rehab.dashboard.widgets import pick_pose_model
from rehab.errors import InputError
from rehab.pose.sources import IMAGE_SUFFIXES

RESULT_KEY = "image_annotation"


def download_name(name: str) -> str:
    return f"{Path(name).stem}-keypoints.png"


def main() -> None:
    require_user()
    st.title("Annotate an image")
    st.caption(
        "BlazePose finds 33 body keypoints; the person's left side is drawn orange, the right blue."
    )
    model = pick_pose_model("image_model")
    upload = st.file_uploader(
        "Photo", type=sorted(s.lstrip(".") for s in IMAGE_SUFFIXES), key="image_upload"
    )
    if upload is None:
        st.info("Upload a photo of a person (JPEG, PNG, WebP…) to see the keypoints drawn on it.")
        return
    cached = st.session_state.get(RESULT_KEY)
    digest = digest_of(upload.getvalue())
    if not isinstance(cached, Annotated) or (cached.digest, cached.asked) != (digest, model):
        with st.spinner("Finding the pose…"):
            try:
                cached = annotate(upload.name, upload.getvalue(), model=model)
            except InputError as exc:  # a model that is not built is one too
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
