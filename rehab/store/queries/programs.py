"""A patient's programs (prescriptions) as plain dataclasses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

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
    notes: str
    items: tuple[ProgramItem, ...]

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def item(self, item_id: int | None) -> ProgramItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)


def items_by_id(plans: Sequence[Program]) -> dict[int, tuple[Program, ProgramItem]]:
    """Every item of these programs by its id, with its program (for its start date)."""
    return {item.item_id: (p, item) for p in plans for item in p.items}


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
        notes=row.notes,
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
