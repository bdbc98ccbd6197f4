"""`streamlit run streamlit_app.py` from a checkout (and AppTest): the pages `rehab serve` serves,
without its routes and settings (rehab/dashboard/serve.py)."""

from rehab.dashboard.app import main

# Streamlit runs this file as `__main__`; a worker process started with "spawn" from the server
# re-imports it as `__mp_main__` and must not draw the dashboard (it would crash the worker;
# tests/test_page_script_guard.py).
if __name__ == "__main__":
    main()
