"""`streamlit run streamlit_app.py` from a checkout: the same app as `rehab serve`."""

from rehab.dashboard.app import main

# Streamlit runs this file as `__main__`; a worker process started with "spawn" from the server
# re-imports it as `__mp_main__` and must not draw the dashboard (it would crash the worker).
if __name__ == "__main__":
    main()
