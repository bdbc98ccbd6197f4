"""The browser dashboard (Streamlit + plotly): thin pages over the store's
public API (`rehab.store`, `rehab.store.queries`): no SQL, ORM or SQLAlchemy here.

`streamlit_app.py` routes with `st.navigation` (`rehab.dashboard.navigation`); each page is a
script in `rehab/dashboard/pages/`; charts are built by `rehab.dashboard.charts` from the
store's dataclasses, and numbers are formatted by `rehab.dashboard.formatting`.
"""
