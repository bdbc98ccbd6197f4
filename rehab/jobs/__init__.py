"""Uploaded-media work away from the web server: the job's files (`files`), the work of
one job in its own process (`run`), the `rehab worker` loop (`worker`) and its command.
The queue itself is in the store (`rehab.store.jobs`). Nothing here imports Streamlit."""
