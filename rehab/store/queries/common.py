"""What the query modules share: the time window, the access check with its audit entry,
and the session's plain connection for column-only SELECTs."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection
from sqlalchemy.orm import InstrumentedAttribute, Session

from rehab.domain import SessionStatus
from rehab.store.access import Actor, audit, check_patient_access
from rehab.store.models import AuditAction, Patient

DONE = (SessionStatus.COMPLETED.value, SessionStatus.INTERRUPTED.value)


@dataclass(frozen=True)
class Window:
    """[since, until) on a timestamp column; either end may be open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def on(self, column: InstrumentedAttribute[dt.datetime]) -> list[ColumnElement[bool]]:
        rules: list[ColumnElement[bool]] = []
        if self.since is not None:
            rules.append(column >= self.since)
        if self.until is not None:
            rules.append(column < self.until)
        return rules


def core(session: Session) -> Connection:
    """The session's connection: column-only SELECTs skip the ORM's result machinery
    (about half the Python time of a progress query); same transaction, same audit."""
    return session.connection()


def open_patient(session: Session, actor: Actor, patient_id: int, resource: str) -> Patient:
    """The patient if `actor` may see them (AccessDenied/NotFound otherwise), audited."""
    patient = check_patient_access(session, actor, patient_id)
    audit(session, actor, AuditAction.READ, resource, patient_id)
    return patient


def metric(value: object) -> float:
    """A nullable number read back: NULL is NaN ("not measured")."""
    return math.nan if value is None else float(value)  # type: ignore[arg-type]
