"""Annotate an image: upload a photo, get it back with BlazePose's 33 keypoints drawn."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rehab.dashboard import formatting as fmt
from rehab.dashboard.media import digest_of
from rehab.dashboard.media_jobs import (
    annotated_of,
    current_job,
    ended_without_result,
    files_gone,
    follow,
    start_job,
)
from rehab.dashboard.state import require_user
from rehab.dashboard.widgets import pick_pose_model
from rehab.domain import JobKind
from rehab.pose.sources import IMAGE_SUFFIXES
from rehab.store import JobView

DIGEST_KEY = "image_job_digest"  # photo and model last queued (a rerun does not queue again)


def download_name(name: str) -> str:
    return f"{Path(name).stem}-keypoints.png"


def _show(job: JobView) -> None:
    if not job.status.is_finished:
        follow(require_user(), job.id)
        return
    if ended_without_result(job, "annotation"):
        return
    if files_gone(job):
        st.info(f"The annotated {job.file_name} is no longer kept: upload it again.")
        return
    done = annotated_of(job)
    if not done.detected:
        st.warning("Nobody was found in this photo: the picture is returned without keypoints.")
    else:
        st.success(f"{done.visible} of 33 keypoints visible ({fmt.pose_model(done.model)}).")
    st.image(done.png, caption=f"{job.file_name} with the keypoints")
    st.download_button(
        "Download the annotated image",
        done.png,
        file_name=download_name(job.file_name),
        mime="image/png",
        icon=":material/download:",
        key="download_image",
    )


def main() -> None:
    user = require_user()
    st.title("Annotate an image")
    st.caption(
        "BlazePose finds 33 body keypoints; the person's left side is drawn orange, the right blue."
    )
    left, right = st.columns([3, 1])
    upload = left.file_uploader(
        "Photo", type=sorted(s.lstrip(".") for s in IMAGE_SUFFIXES), key="image_upload"
    )
    with right:
        model = pick_pose_model("image_model")
    if upload is not None:
        digest = f"{digest_of(upload.getvalue())}:{model}"
        if st.session_state.get(DIGEST_KEY) != digest:  # a new photo or model: annotate it
            st.session_state[DIGEST_KEY] = digest
            params = {"model": model}
            start_job(user, JobKind.ANNOTATE_IMAGE, upload.name, upload.getvalue(), params)
    job = current_job(user, JobKind.ANNOTATE_IMAGE)
    if job is None:
        st.info("Upload a photo of a person (JPEG, PNG, WebP…) to see the keypoints drawn on it.")
        return
    _show(job)


if __name__ == "__main__":
    main()
