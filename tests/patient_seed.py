"""The dashboard test clinic (tests/dashboard_seed.py) with what the patient's pages need to
be tried honestly: clinical notes that must never reach a patient, the therapist's words to
the patient, and a demonstration cache shared by the test run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from rehab.store import Database
from rehab.store.models import Patient, Prescription, PrescriptionItem
from rehab.store.testing import sql_session
from tests.dashboard_seed import Seeded, seed

CLINICAL = "CLINIC-ONLY-7Q: suspected graft laxity, do not tell the patient yet"
RECORD_NOTE = "CLINIC-ONLY-RECORD: anxious about re-injury"
TO_PATIENT = "Ice your knee for ten minutes after the exercises."
ITEM_NOTE = "Slowly on the way down."
DEMO_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "demos"


def use_demo_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demonstrations drawn once per machine (the cache is keyed by what they show)."""
    DEMO_CACHE.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("REHAB_DEMO_CACHE", str(DEMO_CACHE))


def seed_patient_side(db: Database) -> Seeded:
    """`seed()`, then both kinds of notes on patient 0's program (and a note to the patient
    on its knee exercise), and a clinical note on their record."""
    seeded = seed(db)
    pid, program_id = seeded.clinic.patients[0], seeded.clinic.programs[0]
    with sql_session(db) as s:
        s.execute(
            update(Prescription)
            .where(Prescription.id == program_id)
            .values(clinical_notes=CLINICAL, patient_notes=TO_PATIENT)
        )
        s.execute(
            update(PrescriptionItem)
            .where(
                PrescriptionItem.prescription_id == program_id,
                PrescriptionItem.exercise_id == "knee_extension",
            )
            .values(notes_for_patient=ITEM_NOTE)
        )
        s.execute(update(Patient).where(Patient.id == pid).values(notes=RECORD_NOTE))
    return seeded
