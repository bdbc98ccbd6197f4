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
from sqlalchemy.orm import Session

from rehab.core.prescription import Progression, RomGoal, rom_goal
from rehab.core.results import Side
from rehab.store.models import Prescription, PrescriptionItem


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
    rom_limit_deg: float | None = None
    reps_step: int | None = None
    reps_up_to: int | None = None
    rom_step_deg: float | None = None
    rom_up_to_deg: float | None = None

    @property
    def reps_progression(self) -> Progression:
        return Progression(self.reps_step, self.reps_up_to)

    @property
    def rom_progression(self) -> Progression:
        return Progression(self.rom_step_deg, self.rom_up_to_deg)

    def reps_on(self, start: dt.date, day: dt.date) -> int | None:
        """Reps a set asks for on `day` of a program that started on `start`."""
        value = self.reps_progression.on(self.reps, start, day)
        return None if value is None else int(value)

    def target_on(self, start: dt.date, day: dt.date) -> float | None:
        """The target ROM on `day` of a program that started on `start`."""
        return self.rom_progression.on(self.target_rom_deg, start, day)

    def goal_on(
        self, start: dt.date, day: dt.date, library_limit_deg: float | None = None
    ) -> RomGoal:
        """Target and limit on `day` (the library's limit when the item sets none)."""
        return rom_goal(self.target_on(start, day), self.rom_limit_deg, library_limit_deg)


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

    def item(self, item_id: int | None) -> ProgramItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)


def items_by_id(plans: Sequence[Program]) -> dict[int, tuple[Program, ProgramItem]]:
    """Every item of these programs by its id, with its program (for its start date)."""
    return {item.item_id: (p, item) for p in plans for item in p.items}


PROGRAM_COLUMNS = (
    Prescription.id,
    Prescription.patient_id,
    Prescription.title,
    Prescription.sessions_per_week,
    Prescription.start_date,
    Prescription.end_date,
    Prescription.clinical_notes,
    Prescription.patient_notes,
)
ITEM_COLUMNS = (
    PrescriptionItem.prescription_id,
    PrescriptionItem.id,
    PrescriptionItem.exercise_id,
    PrescriptionItem.sets,
    PrescriptionItem.reps,
    PrescriptionItem.hold_s,
    PrescriptionItem.target_rom_deg,
    PrescriptionItem.side,
    PrescriptionItem.notes_for_patient,
    PrescriptionItem.rom_limit_deg,
    PrescriptionItem.reps_step,
    PrescriptionItem.reps_up_to,
    PrescriptionItem.rom_step_deg,
    PrescriptionItem.rom_up_to_deg,
)


def programs(session: Session, ids: Sequence[int]) -> dict[int, list[Program]]:
    """These patients' programs, newest first (two column-only SELECTs: no ORM objects,
    the patient list reads some 200 programs and 1,000 items)."""
    if not ids:
        return {}
    connection = session.connection()
    rows = connection.execute(
        select(*PROGRAM_COLUMNS)
        .where(Prescription.patient_id.in_(ids))
        .order_by(Prescription.start_date.desc(), Prescription.id.desc())
    ).all()
    items: dict[int, list[ProgramItem]] = defaultdict(list)
    if rows:
        found = connection.execute(
            select(*ITEM_COLUMNS)
            .where(PrescriptionItem.prescription_id.in_([r[0] for r in rows]))
            .order_by(
                PrescriptionItem.prescription_id, PrescriptionItem.position, PrescriptionItem.id
            )
        ).all()
        for prescription_id, *fields in found:
            items[prescription_id].append(_item(*fields))
    out: dict[int, list[Program]] = defaultdict(list)
    for pid, patient_id, title, per_week, start, end, clinical, to_patient in rows:
        found_items = tuple(items.get(pid, ()))
        out[patient_id].append(
            Program(pid, title, per_week, start, end, clinical, found_items, to_patient)
        )
    return out


def _item(
    item_id: int,
    exercise_id: str,
    sets: int,
    reps: int | None,
    hold_s: float | None,
    target: float | None,
    side: str,
    notes: str,
    limit: float | None,
    reps_step: int | None,
    reps_up_to: int | None,
    rom_step: float | None,
    rom_up_to: float | None,
) -> ProgramItem:
    return ProgramItem(
        item_id, exercise_id, sets, reps, hold_s, target, Side(side), notes,
        limit, reps_step, reps_up_to, rom_step, rom_up_to,
    )  # fmt: skip


def program_of(row: Prescription) -> Program:
    return Program(
        prescription_id=row.id,
        title=row.title,
        sessions_per_week=row.sessions_per_week,
        start_date=row.start_date,
        end_date=row.end_date,
        clinical_notes=row.clinical_notes,
        patient_notes=row.patient_notes,
        items=tuple(item_of(item) for item in row.items),
    )


def item_of(item: PrescriptionItem) -> ProgramItem:
    return ProgramItem(
        item_id=item.id,
        exercise_id=item.exercise_id,
        sets=item.sets,
        reps=item.reps,
        hold_s=item.hold_s,
        target_rom_deg=item.target_rom_deg,
        side=Side(item.side),
        notes_for_patient=item.notes_for_patient,
        rom_limit_deg=item.rom_limit_deg,
        reps_step=item.reps_step,
        reps_up_to=item.reps_up_to,
        rom_step_deg=item.rom_step_deg,
        rom_up_to_deg=item.rom_up_to_deg,
    )
