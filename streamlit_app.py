"""Rehab tracker dashboard (placeholder until the dashboard issue lands)."""

import streamlit as st

from rehab import __version__

st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
st.title("Rehab tracker")
st.write(
    f"Version {__version__}. The therapist dashboard is on its way; meanwhile the command line "
    "annotates images and videos with BlazePose's 33 keypoints:\n\n"
    "`rehab annotate photo.jpg -o out.png`"
)
