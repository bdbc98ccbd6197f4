"""Rehab tracker dashboard: `streamlit run streamlit_app.py` (see docs/dashboard.md)."""

import streamlit as st

from rehab.dashboard.navigation import run

st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
run()
