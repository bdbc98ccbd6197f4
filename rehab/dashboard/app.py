"""The dashboard's Streamlit script: `rehab serve` runs it (see docs/dashboard.md)."""

import streamlit as st

from rehab.dashboard.navigation import run


def main() -> None:
    st.set_page_config(page_title="Rehab tracker", page_icon="🦴", layout="wide")
    run()


if __name__ == "__main__":
    main()
