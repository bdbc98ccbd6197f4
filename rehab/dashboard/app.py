"""The dashboard's Streamlit script: `rehab serve` runs it (see docs/dashboard.md)."""

import streamlit as st

from rehab.dashboard.navigation import run


def main() -> None:
    st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
    run()


# Streamlit runs this file as `__main__`; a worker process started with "spawn" from the server
# re-imports it as `__mp_main__` and must not draw the dashboard (it would crash the worker;
# tests/test_page_script_guard.py).
if __name__ == "__main__":
    main()
