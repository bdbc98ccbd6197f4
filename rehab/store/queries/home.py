"""What a patient's own pages read: their program as the patient sees it (the therapist's
words to them, never the clinic's notes), their language, the sessions they did, and the
sets done on a day per prescribed exercise.

`PatientProgram` has no field for the clinic's notes, so a page built on it cannot show them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from rehab.domain import SessionSource, SessionStatus
from rehab.store.access import Actor
from rehab.store.database import Transaction, sql
from rehab.store.models import ExerciseSession, ExerciseSet
from rehab.store.queries.common import DONE, core, open_patient
from rehab.store.queries.programs import Program, ProgramItem, programs
from rehab.store.queries.sessions import earliest_start
from rehab.store.times import aware


@dataclass(frozen=True)
class PatientProgram:
    """A program as its patient reads it."""

    prescription_id: int
    title: str
    sessions_per_week: int
    start_date: dt.date
    end_date: dt.date | None
    note: str  # the therapist's words to the patient for the whole program
    items: tuple[ProgramItem, ...]

    @classmethod
    def of(cls, program: Program) -> PatientProgram:
        return cls(
            program.prescription_id,
            program.title,
            program.sessions_per_week,
            program.start_date,
            program.end_date,
            program.patient_notes,
            program.items,
        )

    def item(self, item_id: int) -> ProgramItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)


@dataclass(frozen=True)
class DoneSession:
    """A session that counts as done (completed or interrupted)."""

    session_id: int
    started_at: dt.datetime
    source: SessionSource
    status: SessionStatus

    @property
    def self_reported(self) -> bool:
        return self.source.self_reported


@dataclass(frozen=True)
class PatientHome:
    patient_id: int
    name: str
    therapist_name: str
    language: str
    program: PatientProgram | None  # the newest program active on the day, with exercises
    sessions: tuple[DoneSession, ...]  # since the date asked for, oldest first
    sets_on_day: Mapping[int, int]  # prescription item id -> sets done on the day
    first_done_at: dt.datetime | None = None  # the first session ever done (None: not yet)


def patient_home(
    tx: Transaction, actor: Actor, patient_id: int, day: dt.date, since: dt.date
) -> PatientHome:
    """A patient's home page: their program on `day`, the sessions done since `since`
    (UTC days), and the sets done on `day` per prescribed exercise."""
    session = sql(tx)
    patient = open_patient(session, actor, patient_id, "patient_home")
    found = programs(session, [patient_id]).get(patient_id, [])
    active = [p for p in found if p.active_on(day) and p.items]
    program = PatientProgram.of(active[0]) if active else None
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    rows = core(session).execute(
        select(
            ExerciseSession.id,
            ExerciseSession.started_at,
            ExerciseSession.source,
            ExerciseSession.status,
        )
        .where(
            ExerciseSession.patient_id == patient_id,
            ExerciseSession.status.in_(DONE),
            ExerciseSession.started_at >= start,
        )
        .order_by(ExerciseSession.started_at, ExerciseSession.id)
    )
    done = tuple(
        DoneSession(sid, aware(at), SessionSource(source), SessionStatus(status))
        for sid, at, source, status in rows
    )
    first = earliest_start(session, patient_id, DONE)  # however long ago
    return PatientHome(
        patient_id=patient_id,
        name=patient.user.display_name,
        therapist_name=patient.therapist.display_name,
        language=patient.language,
        program=program,
        sessions=done,
        sets_on_day=_sets_on_day(tx, patient_id, day, program),
        first_done_at=aware(first) if first is not None else None,
    )


def _sets_on_day(
    tx: Transaction, patient_id: int, day: dt.date, program: PatientProgram | None
) -> dict[int, int]:
    if program is None:
        return {}
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    rows = core(sql(tx)).execute(
        select(ExerciseSet.prescription_item_id, func.count(ExerciseSet.id))
        .join(ExerciseSession, ExerciseSession.id == ExerciseSet.session_id)
        .where(
            ExerciseSession.patient_id == patient_id,
            ExerciseSession.started_at >= start,
            ExerciseSession.started_at < start + dt.timedelta(days=1),
            ExerciseSet.prescription_item_id.in_([i.item_id for i in program.items]),
        )
        .group_by(ExerciseSet.prescription_item_id)
    )
    return {int(item_id): int(count) for item_id, count in rows if item_id is not None}


def patient_language(tx: Transaction, actor: Actor, patient_id: int) -> str:
    """The language of a patient's pages (for the live page and downloads)."""
    return open_patient(sql(tx), actor, patient_id, "patient_language").language
