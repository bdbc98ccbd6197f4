"""A patient history for the report tests: four weeks of sessions written by the real recorder.

Patient 0 of the store's test clinic (therapist A) gets an accented name, knee extensions on
the left with a few on the right (asymmetry), ROM rising from 60° to 81°, a trunk-lean cue that
fades, wall-sit holds, one interrupted session, missed sessions, and pain/effort check-ins.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rehab.core.results import HoldResult, SetResult, Side
from rehab.domain import SessionStatus
from rehab.store import Database, SessionRecorder
from rehab.store.models import Patient, Prescription, User
from rehab.store.testing import T0, Clinic, cue, make_rep, sql_session

DAY = dt.timedelta(days=1)
PATIENT_NAME = "Zoë Ångström-Müller"
FIRST_DAY = (T0 - 28 * DAY).date()  # the program's start (a Monday)
LAST_DAY = (T0 - DAY).date()  # a Sunday: four whole weeks


@dataclass(frozen=True)
class Seeded:
    clinic: Clinic
    patient_id: int
    sessions: int


def _items(db: Database, prescription_id: int) -> list[int]:
    with sql_session(db) as s:
        prescription = s.get(Prescription, prescription_id)
        assert prescription is not None
        return [item.id for item in prescription.items]


def _rename(db: Database, patient_id: int) -> None:
    with sql_session(db) as s:
        patient = s.get(Patient, patient_id)
        assert patient is not None
        user = s.get(User, patient.user_id)
        assert user is not None
        user.display_name = PATIENT_NAME


def _knee_set(n: int) -> SetResult:
    """Session n: 8 left reps (ROM 60 + 3n ± 2), 2 right reps (ROM 10° lower), 1 partial."""
    left = [
        make_rep(k, rom_deg=60.0 + 3 * n + (k % 3 - 1) * 2.0, issues=(cue(),) * (n < 4 and k == 1))
        for k in range(1, 9)
    ]
    right = [make_rep(k, rom_deg=50.0 + 3 * n, side=Side.RIGHT) for k in (1, 2)]
    partial = make_rep(0, rom_deg=20.0, complete=False)
    return SetResult("knee_extension", reps=(*left, *right, partial))


def _wall_sit_set(n: int) -> SetResult:
    holds = tuple(
        HoldResult("wall_sit", Side.BOTH, 0.0, 20000.0, 12.0 + n, 100.0, n > 4, 0.9)
        for _ in range(2)
    )
    return SetResult("wall_sit", holds=holds)


def session_days() -> list[dt.datetime]:
    """Mon/Wed/Fri of four weeks, minus two missed sessions (a 12-prescribed, 10-done plan)."""
    days = [T0 - 28 * DAY + dt.timedelta(weeks=w, days=d) for w in range(4) for d in (0, 2, 4)]
    return [d for n, d in enumerate(days) if n not in (4, 9)]


def seed_history(db: Database) -> Seeded:
    clinic = Clinic(db)
    patient_id = clinic.patients[0]
    _rename(db, patient_id)
    knee_item, sit_item = _items(db, clinic.programs[0])
    days = session_days()
    for n, day in enumerate(days):
        at = day + dt.timedelta(hours=n % 3)
        recorder = SessionRecorder.start(
            db, clinic.pat_users[0], patient_id, clock=lambda at=at: at
        )
        recorder.record_set(_knee_set(n), Side.LEFT, prescription_item_id=knee_item)
        if n % 2 == 0:
            recorder.record_set(_wall_sit_set(n), Side.BOTH, prescription_item_id=sit_item)
        if n != 3:
            comment = "Genou raide le matin" if n == 0 else ""
            recorder.check_in(
                pain_before=5 - n // 3, pain_after=6 - n // 3, effort_rpe=4 + n % 3, comment=comment
            )
        status = SessionStatus.INTERRUPTED if n == 6 else SessionStatus.COMPLETED
        recorder.finish(status)
    return Seeded(clinic, patient_id, len(days))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
