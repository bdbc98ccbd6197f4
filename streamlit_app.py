"""`streamlit run streamlit_app.py` from a checkout: the same app as `rehab serve`."""

from rehab.dashboard.app import main

main()
