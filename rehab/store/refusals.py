"""Refusals in the audit log of a credential turned away at the door (a live-session token
that is missing, expired, tampered with or someone else's), outside any unit of work.

Written the one way every refusal is (`access.audit_refusal`: action `refuse`, committed in a
transaction of its own). Only ids that exist are stored as ids; what a forged credential
claims goes into the detail text ("claims user #99"), never a name.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from rehab.store.access import audit_refusal
from rehab.store.database import Database, run_transaction
from rehab.store.models import Patient, User

log = logging.getLogger(__name__)


def record_refusal(
    db: Database,
    resource: str,
    reason: str,
    *,
    user_id: int | None = None,
    patient_id: int | None = None,
) -> None:
    """Audit a refused credential for `resource` (e.g. "live_token") with a short `reason`.
    A failure to write it is logged, never raised (as for every refusal)."""

    def work(session: Session) -> None:
        user = session.get(User, user_id) if user_id is not None else None
        patient = session.get(Patient, patient_id) if patient_id is not None else None
        claims = []
        if user_id is not None and user is None:
            claims.append(f"claims user #{user_id}")
        if patient_id is not None and patient is None:
            claims.append(f"claims patient #{patient_id}")
        audit_refusal(
            session,
            user.id if user is not None else None,
            resource,
            patient_id=patient.id if patient is not None else None,
            detail="; ".join([reason, *claims]),
        )

    run_transaction(db, work, what="audit of a refusal")
    log.warning("refused %s: %s", resource, reason)
