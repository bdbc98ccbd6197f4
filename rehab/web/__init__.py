"""The dashboard's own web parts served beside Streamlit by rehab.server: the sign-in cookie
routes (auth_routes) and the security headers and page-error handler (security)."""
