"""Sessions arranged for the clinical-correctness tests (issue 13): a session at a given
moment, with given ROMs, an optional check-in (or a skipped one) and an optional source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rehab.core.results import SetResult, Side
from rehab.domain import SessionSource
from rehab.store import (
    Actor,
    Database,
    ExercisePlan,
    PlannedSet,
    SessionRecorder,
    prescribe,
    record_session,
)
from rehab.store.queries import patient_detail
from rehab.store.testing import make_rep

SKIPPED = "skipped"  # a check-in the patient was asked for and skipped: no value given


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def item_of(db: Database, actor: Actor, patient_id: int, exercise_id: str) -> int | None:
    """The id of the newest program's item for `exercise_id` (None when not prescribed)."""
    with db.transaction() as tx:
        programs = patient_detail(tx, actor, patient_id).programs
    for program in programs:
        for item in program.items:
            if item.exercise_id == exercise_id:
                return item.item_id
    return None


def live_session(
    db: Database,
    actor: Actor,
    patient_id: int,
    at: dt.datetime,
    roms: Sequence[float],
    *,
    exercise_id: str = "knee_extension",
    side: Side = Side.LEFT,
    check_in: tuple[int | None, int | None, int | None] | str | None = None,
    linked: bool = True,
) -> int:
    """A completed live session at `at`: one set of `exercise_id` with these ROMs."""
    item = item_of(db, actor, patient_id, exercise_id) if linked else None
    with SessionRecorder.start(db, actor, patient_id, clock=lambda: at) as rec:
        rec.begin_set(exercise_id, side, item)
        for n, rom in enumerate(roms, start=1):
            rec.record_rep(make_rep(n, rom_deg=rom, side=side, exercise_id=exercise_id))
        rec.end_set()
        if check_in == SKIPPED:
            rec.check_in()  # asked, and nothing given
        elif isinstance(check_in, tuple):
            rec.check_in(*check_in)
        return rec.session_id


def uploaded_session(
    db: Database,
    actor: Actor,
    patient_id: int,
    at: dt.datetime,
    exercise_id: str,
    roms: Sequence[float],
    *,
    duration_s: float = 60.0,
    item_id: int | None = None,
    pose_model: str | None = None,
) -> int:
    """A session stored from a video analysed in the clinic (source "upload")."""
    reps = tuple(
        make_rep(n, rom_deg=rom, exercise_id=exercise_id, side=Side.LEFT)
        for n, rom in enumerate(roms, start=1)
    )
    result = SetResult(exercise_id=exercise_id, reps=reps)
    return record_session(
        db,
        actor,
        patient_id,
        [PlannedSet(result, Side.LEFT, item_id, duration_s=duration_s, pose_model=pose_model)],
        started_at=at,
        source=SessionSource.UPLOAD,
    )


def new_program(
    db: Database,
    actor: Actor,
    patient_id: int,
    plans: Sequence[ExercisePlan],
    start: dt.date,
    per_week: int = 3,
    title: str = "New program",
) -> int:
    with db.transaction() as tx:
        return prescribe(tx, actor, patient_id, title, list(plans), per_week, start)
