"""From a verified token to a session the store agrees to: the user is an active patient,
the patient record is theirs, the program is today's and holds the items the page started
(the patient's page starts one exercise of it).

Runs in a worker thread (it reads the database). Every refusal is a `Refused` with a close
code and a one-line reason; the caller audits it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.live.flow import SetPlan
from rehab.live.history import plans_from_program, todays_program
from rehab.live.ondevice.protocol import CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED
from rehab.live.ondevice.tokens import LiveClaims
from rehab.store import Actor, Database, actor_for, user_profile


class Refused(Exception):
    """The connection is turned away: close `code`, `reason` for the page and the audit."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Authorized:
    actor: Actor
    claims: LiveClaims
    plans: tuple[SetPlan, ...]


def authorize(db: Database, claims: LiveClaims, day: dt.date) -> Authorized:
    """Check the claims against the store; Refused otherwise."""
    try:
        with db.transaction() as tx:
            actor = actor_for(tx, claims.user_id)
            profile = user_profile(tx, actor)
        if actor.role is not Role.PATIENT:
            raise Refused(CLOSE_FORBIDDEN, f"user #{claims.user_id} is not a patient")
        if profile.patient_id != claims.patient_id:
            raise Refused(
                CLOSE_FORBIDDEN,
                f"patient #{claims.patient_id} is not the record of user #{claims.user_id}",
            )
        program = todays_program(db, actor, claims.patient_id, day)
    except (NotFound, AccessDenied) as exc:
        raise Refused(CLOSE_UNAUTHORIZED, str(exc)) from exc
    except StoreError as exc:
        raise Refused(CLOSE_FORBIDDEN, "the database could not be read; try again") from exc
    if program is None or program.prescription_id != claims.prescription_id:
        raise Refused(CLOSE_FORBIDDEN, f"program #{claims.prescription_id} is not today's program")
    chosen = tuple(item for item in program.items if item.item_id in claims.item_ids)
    if len(chosen) != len(set(claims.item_ids)):  # the patient's page starts one exercise
        raise Refused(CLOSE_FORBIDDEN, "the program has changed: reload the page")
    return Authorized(actor, claims, tuple(plans_from_program(replace(program, items=chosen))))
