"""What a handout prints: the clinic, the patient, the program, and per exercise its words,
its dose and the demonstration's stills. Plain data; the words already in the patient's
language (exercise names and instructions) or translated when drawn (labels)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rehab.core.results import Side


@dataclass(frozen=True)
class HandoutItem:
    exercise_id: str
    name: str
    instructions: tuple[str, ...]
    sets: int
    reps: int | None  # None for a hold
    hold_s: float | None
    side: Side
    alternating: bool  # left and right in turn (the exercise's own rule)
    days_per_week: int
    note: str  # the therapist's note to the patient ("" = none)
    stills: tuple[bytes, bytes] | None = None  # PNG: start and peak of the demonstration

    def __post_init__(self) -> None:
        if self.sets < 1:
            raise ValueError(f"{self.exercise_id}: sets must be at least 1")
        if (self.reps is None) == (self.hold_s is None):
            raise ValueError(f"{self.exercise_id}: give reps or hold seconds, not both")
        if not 1 <= self.days_per_week <= 7:
            raise ValueError(f"{self.exercise_id}: days per week must be 1-7")


@dataclass(frozen=True)
class Handout:
    clinic_name: str
    patient_name: str
    therapist_name: str
    title: str  # the program's title
    instructions: str  # the therapist's words to the patient for the whole program
    start_date: dt.date
    end_date: dt.date | None
    patient_url: str  # where the QR code leads: the patient's page
    language: str
    issued_on: dt.date
    items: tuple[HandoutItem, ...]
