"""The dashboard's web server: Streamlit (streamlit_app.py) with our routes and middleware on
one port (rehab.web.routes). `make run` starts it:

    streamlit run rehab/web/asgi.py --server.headless true

`streamlit run` finds the `app = st.App(...)` below and serves it with uvicorn.
"""

import streamlit as st

from rehab.dashboard.compat import fix_media_responses
from rehab.web.routes import DASHBOARD_SCRIPT, app_options

fix_media_responses()  # before the server answers its first request (streamlit_app.py too)
app = st.App(str(DASHBOARD_SCRIPT), **app_options())

if __name__ == "__main__":
    app.run()
