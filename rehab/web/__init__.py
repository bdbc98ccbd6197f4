"""The dashboard's web server: Streamlit and our own routes on one port (see asgi.py)."""
