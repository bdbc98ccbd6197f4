"""The launcher `streamlit run` finds (`rehab serve` runs it): the dashboard with our routes.

Kept alone in its folder: Streamlit puts this file's folder on `sys.path` and imports it by
its bare name, so no other module here may shadow a library's.
"""

import streamlit as st

from rehab.server import PAGE_SCRIPT, middleware, routes
from rehab.web.security import on_script_error

app = st.App(
    str(PAGE_SCRIPT), routes=routes(), middleware=middleware(), on_script_error=on_script_error
)
