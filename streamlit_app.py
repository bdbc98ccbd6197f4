"""Rehab tracker dashboard: `streamlit run streamlit_app.py` (see docs/dashboard.md)."""

import streamlit as st

from rehab.dashboard.compat import fix_media_responses
from rehab.dashboard.navigation import run

# Streamlit runs this file as `__main__`; a worker process started with "spawn" from the server
# re-imports it as `__mp_main__` and must not draw the dashboard (it would crash the worker).
if __name__ == "__main__":
    fix_media_responses()  # st.video and st.audio on Streamlit 1.60 + Starlette 1.x
    st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
    run()
