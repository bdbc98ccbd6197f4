"""Rehab tracker dashboard: `streamlit run streamlit_app.py` (see docs/dashboard.md)."""

import streamlit as st

from rehab.dashboard.compat import fix_media_responses
from rehab.dashboard.navigation import run

fix_media_responses()  # st.video and st.audio on Streamlit 1.60 + Starlette 1.x
st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
run()
