"""The clinic's settings the patient's printouts need, from the environment.

- `REHAB_CLINIC_NAME`: printed at the top of the handout (default "Rehab clinic");
- `REHAB_PUBLIC_URL`: the address patients open the dashboard at (default
  `http://localhost:8501`); the handout's QR code and the reminders link to its root, where
  a signed-in patient lands on their Today page (the default page has no address of its own:
  `/home` would be "Page not found").
"""

from __future__ import annotations

import os

ENV_CLINIC_NAME = "REHAB_CLINIC_NAME"
ENV_PUBLIC_URL = "REHAB_PUBLIC_URL"
DEFAULT_CLINIC_NAME = "Rehab clinic"
DEFAULT_PUBLIC_URL = "http://localhost:8501"


def clinic_name() -> str:
    return os.environ.get(ENV_CLINIC_NAME, "").strip() or DEFAULT_CLINIC_NAME


def patient_home_url() -> str:
    """Where a patient's printouts send them: the dashboard's patient home page."""
    base = os.environ.get(ENV_PUBLIC_URL, "").strip() or DEFAULT_PUBLIC_URL
    return f"{base.rstrip('/')}/"
