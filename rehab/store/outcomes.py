"""Outcome measures: questionnaires a therapist assigns at an interval, the patient's
answers and their scores.

- a therapist (their own patients) or an admin assigns a questionnaire every N days from a
  start date (with the patient's own activities for a patient-specific one) and ends it;
- it is due on its start date, then N days after the last answers for it (clinic days);
- the patient (or their therapist, in the clinic) saves answers: the score is computed
  with the questionnaire's own rule (`rehab.core.questionnaire`) and kept with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rehab.clinic_time import local_day
from rehab.core.questionnaire import Questionnaire
from rehab.domain import Role
from rehab.errors import NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access, require_role
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, OutcomeAssignment, OutcomeResponse
from rehab.store.queries.common import Window, open_patient
from rehab.store.settings import zone_of
from rehab.store.times import aware, utc_now

MAX_LABEL = 120


@dataclass(frozen=True)
class Assignment:
    assignment_id: int
    patient_id: int
    questionnaire_id: str
    every_days: int
    start_date: dt.date
    end_date: dt.date | None
    labels: tuple[str, ...]  # a patient-specific questionnaire's items, in the patient's words
    last_answered: dt.date | None  # clinic day
    next_due: dt.date | None  # None: ended

    def due_on(self, day: dt.date) -> bool:
        return self.next_due is not None and self.next_due <= day


@dataclass(frozen=True)
class OutcomeScore:
    response_id: int
    questionnaire_id: str
    completed_at: dt.datetime
    score: float | None
    answers: dict[str, int | None]
    labels: tuple[str, ...]


def _labels(labels: list[str] | tuple[str, ...]) -> list[str]:
    cleaned = [label.strip()[:MAX_LABEL] for label in labels]
    return [label for label in cleaned if label]


def assign_questionnaire(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    questionnaire: Questionnaire,
    every_days: int,
    start_date: dt.date,
    labels: list[str] | tuple[str, ...] = (),
) -> int:
    """Ask a patient to fill in `questionnaire` every `every_days` days from `start_date`."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    check_patient_access(session, actor, patient_id)
    if not 1 <= every_days <= 365:
        raise StoreError(f"every how many days: 1-365 (got {every_days})")
    words = _labels(labels)
    slots = len(questionnaire.items)
    if questionnaire.patient_specific is None and words:
        raise StoreError(f"{questionnaire.short_name} has fixed items: no activities to give")
    if len(words) > slots:
        raise StoreError(f"{questionnaire.short_name} takes at most {slots} activities")
    row = OutcomeAssignment(
        patient_id=patient_id,
        questionnaire_id=questionnaire.id,
        every_days=every_days,
        start_date=start_date,
        labels=words,
        assigned_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "outcome_assignment", patient_id, row.id)
    return row.id


def end_assignment(tx: Transaction, actor: Actor, assignment_id: int, last_day: dt.date) -> None:
    """Stop asking for a questionnaire after `last_day`."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    row = session.get(OutcomeAssignment, assignment_id)
    if row is None:
        raise NotFound(f"no questionnaire assignment #{assignment_id}")
    check_patient_access(session, actor, row.patient_id)
    row.end_date = max(row.start_date, last_day)
    audit(session, actor, AuditAction.UPDATE, "outcome_assignment", row.patient_id, row.id)


def assignments(
    tx: Transaction, actor: Actor, patient_id: int, now: dt.datetime | None = None
) -> list[Assignment]:
    """A patient's questionnaire assignments (current and ended), with when each is due."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "outcome_assignments")
    zone = zone_of(session)
    today = local_day(now or utc_now(), zone)
    last = (
        select(OutcomeResponse.assignment_id, func.max(OutcomeResponse.completed_at))
        .where(OutcomeResponse.patient_id == patient_id)
        .group_by(OutcomeResponse.assignment_id)
    )
    answered = {aid: aware(at) for aid, at in session.execute(last).all() if aid is not None}
    rows = session.scalars(
        select(OutcomeAssignment)
        .where(OutcomeAssignment.patient_id == patient_id)
        .order_by(OutcomeAssignment.start_date.desc(), OutcomeAssignment.id.desc())
    ).all()
    out = []
    for row in rows:
        done = local_day(answered[row.id], zone) if row.id in answered else None
        out.append(_assignment(row, done, today))
    return out


def _assignment(row: OutcomeAssignment, done: dt.date | None, today: dt.date) -> Assignment:
    due = row.start_date if done is None else done + dt.timedelta(days=row.every_days)
    due = max(due, row.start_date)
    ended = row.end_date is not None and (row.end_date < today or due > row.end_date)
    return Assignment(
        assignment_id=row.id,
        patient_id=row.patient_id,
        questionnaire_id=row.questionnaire_id,
        every_days=row.every_days,
        start_date=row.start_date,
        end_date=row.end_date,
        labels=tuple(row.labels or ()),
        last_answered=done,
        next_due=None if ended else due,
    )


def record_outcome(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    questionnaire: Questionnaire,
    answers: dict[str, int | None],
    *,
    assignment_id: int | None = None,
    labels: list[str] | tuple[str, ...] = (),
    completed_at: dt.datetime | None = None,
) -> OutcomeScore:
    """Save a filled-in questionnaire with its score (the patient, or their therapist)."""
    session = sql(tx)
    check_patient_access(session, actor, patient_id)
    try:
        score = questionnaire.score(answers)
    except ValueError as exc:
        raise StoreError(str(exc)) from exc
    if score is None:
        raise StoreError(
            f"{questionnaire.short_name}: answer at least {questionnaire.scoring.min_answered} "
            "of the items"
        )
    words = _labels(labels)
    if assignment_id is not None:
        assignment = session.get(OutcomeAssignment, assignment_id)
        if assignment is None or assignment.patient_id != patient_id:
            raise NotFound(f"no questionnaire assignment #{assignment_id} for this patient")
        if questionnaire.patient_specific is not None and words and not assignment.labels:
            assignment.labels = words  # the patient named their activities: keep them
    row = OutcomeResponse(
        patient_id=patient_id,
        assignment_id=assignment_id,
        questionnaire_id=questionnaire.id,
        completed_at=completed_at or utc_now(),
        answers=dict(answers),
        labels=words,
        score=score,
        entered_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "outcome_response", patient_id, row.id)
    return _score(row)


def _score(row: OutcomeResponse) -> OutcomeScore:
    return OutcomeScore(
        response_id=row.id,
        questionnaire_id=row.questionnaire_id,
        completed_at=aware(row.completed_at),
        score=row.score,
        answers=dict(row.answers or {}),
        labels=tuple(row.labels or ()),
    )


def outcome_scores(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[OutcomeScore]:
    """A patient's questionnaire scores in [since, until), oldest first."""
    session = sql(tx)
    open_patient(session, actor, patient_id, "outcomes")
    return outcome_rows(session, patient_id, Window(since, until))


def outcome_rows(session: Session, patient_id: int, window: Window) -> list[OutcomeScore]:
    rows = session.scalars(
        select(OutcomeResponse)
        .where(OutcomeResponse.patient_id == patient_id, *window.on(OutcomeResponse.completed_at))
        .order_by(OutcomeResponse.completed_at, OutcomeResponse.id)
    ).all()
    return [_score(r) for r in rows]
