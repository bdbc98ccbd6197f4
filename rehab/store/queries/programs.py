"""A patient's programs (prescriptions) as plain dataclasses.

A program carries two notes: the clinic's (`clinical_notes`) and the therapist's words to the
patient (`patient_notes`). Queries that answer a patient blank the clinic's
(`Program.without_clinical_notes`), so no page a patient sees can show them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rehab.core.results import Side
from rehab.store.models import Prescription


@dataclass(frozen=True)
class ProgramItem:
    item_id: int
    exercise_id: str
    sets: int
    reps: int | None
    hold_s: float | None
    target_rom_deg: float | None
    side: Side
    notes_for_patient: str


@dataclass(frozen=True)
class Program:
    prescription_id: int
    title: str
    sessions_per_week: int
    start_date: dt.date
    end_date: dt.date | None
    clinical_notes: str  # the clinic's own: empty whenever a patient reads their program
    items: tuple[ProgramItem, ...]
    patient_notes: str = ""  # the therapist's words to the patient for the whole program

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def without_clinical_notes(self) -> Program:
        return replace(self, clinical_notes="")


def programs(session: Session, ids: Sequence[int]) -> dict[int, list[Program]]:
    prescriptions = session.scalars(
        select(Prescription)
        .where(Prescription.patient_id.in_(ids))
        .options(selectinload(Prescription.items))
        .order_by(Prescription.start_date.desc(), Prescription.id.desc())
    ).all()
    out: dict[int, list[Program]] = defaultdict(list)
    for prescription in prescriptions:
        out[prescription.patient_id].append(program_of(prescription))
    return out


def program_of(row: Prescription) -> Program:
    return Program(
        prescription_id=row.id,
        title=row.title,
        sessions_per_week=row.sessions_per_week,
        start_date=row.start_date,
        end_date=row.end_date,
        clinical_notes=row.clinical_notes,
        patient_notes=row.patient_notes,
        items=tuple(
            ProgramItem(
                item_id=item.id,
                exercise_id=item.exercise_id,
                sets=item.sets,
                reps=item.reps,
                hold_s=item.hold_s,
                target_rom_deg=item.target_rom_deg,
                side=Side(item.side),
                notes_for_patient=item.notes_for_patient,
            )
            for item in row.items
        ),
    )
