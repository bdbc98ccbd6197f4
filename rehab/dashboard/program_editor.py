"""The prescription editor's pieces: the draft program, the form that adds an exercise,
and how an item reads (with its progression and this week's figures).

Every exercise starts from its OWN library defaults and the patient's affected side: the
form's widgets are keyed by exercise (a value typed for one exercise never carries over to
the next one picked), and the form clears once the exercise is added.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from rehab.core.exercise import BodyRegion, Exercise, SideMode
from rehab.core.prescription import Progression
from rehab.core.results import Side
from rehab.dashboard import formatting as fmt
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import exercise_library
from rehab.store import ExercisePlan
from rehab.store.queries import Program, ProgramItem

DRAFT_KEY = "program_draft"
WHOLE_BODY = (BodyRegion.TRUNK, BodyRegion.WHOLE_BODY, BodyRegion.NECK)


def describe(plan: ExercisePlan | ProgramItem, start: dt.date | None, day: dt.date) -> str:
    """'3 × 10 reps (+2 reps a week, up to 20 reps; 14 this week), left, target 80°'."""
    reps = Progression(plan.reps_step, plan.reps_up_to)
    rom = Progression(plan.rom_step_deg, plan.rom_up_to_deg)
    if plan.reps:
        now = f"; {reps.on(plan.reps, start, day):g} this week" if start and reps.active else ""
        rise = f" ({reps.describe('reps')}{now})" if reps.active else ""
        amount = f"{plan.reps} reps{rise}"
    else:
        amount = f"{plan.hold_s:.0f} s hold"
    parts = [f"{plan.sets} × {amount}", plan.side.value]
    if plan.target_rom_deg:
        target = rom.on(plan.target_rom_deg, start, day) if start else plan.target_rom_deg
        now = f"; {fmt.deg(target)} this week" if start and rom.active else ""
        rise = f" ({rom.describe('°')}{now})" if rom.active else ""
        parts.append(f"target {fmt.deg(plan.target_rom_deg)}{rise}")
    if plan.rom_limit_deg:
        parts.append(f"not beyond {fmt.deg(plan.rom_limit_deg)}")
    return ", ".join(parts)


def draft(patient_id: int, current: Program | None) -> list[ExercisePlan]:
    """The program being edited (starts from the current one)."""
    found = st.session_state.get(DRAFT_KEY)
    if not isinstance(found, dict) or found.get("patient") != patient_id:
        first = [plan_of(item) for item in current.items] if current else []
        found = {"patient": patient_id, "plans": first}
        st.session_state[DRAFT_KEY] = found
    plans: list[ExercisePlan] = found["plans"]
    return plans


def plan_of(item: ProgramItem) -> ExercisePlan:
    return ExercisePlan(**{k: getattr(item, k) for k in ExercisePlan.__dataclass_fields__})


def side_options(exercise: Exercise) -> list[Side]:
    if exercise.sides is SideMode.LEFT:
        return [Side.LEFT]
    if exercise.sides is SideMode.RIGHT:
        return [Side.RIGHT]
    return [Side.BOTH, Side.LEFT, Side.RIGHT]


def default_side(exercise: Exercise, affected: Side) -> Side:
    """The patient's affected side when the exercise can be done (or measured) on one side;
    both for the trunk and the whole body."""
    options = side_options(exercise)
    if affected in options and exercise.body_region not in WHOLE_BODY:
        return affected
    return options[0]


def draft_list(plans: list[ExercisePlan], today: dt.date) -> None:
    library = exercise_library()
    if not plans:
        st.info("The new program has no exercise yet: add one below.")
    for n, plan in enumerate(list(plans)):
        left, right = st.columns([5, 1], vertical_alignment="center")
        note = f" — _{plain(plan.notes_for_patient)}_" if plan.notes_for_patient else ""
        left.write(
            f"**{fmt.exercise_name(library, plan.exercise_id)}**: {describe(plan, None, today)}"
            + note
        )
        if right.button("Remove", key=f"remove_{n}"):
            plans.pop(n)
            st.rerun()


def add_exercise(plans: list[ExercisePlan], affected: Side) -> None:
    """Pick an exercise, see what the patient will read, set its prescription, add it."""
    library = exercise_library()
    ids = sorted(library.exercises, key=lambda e: library.exercises[e].name)
    chosen = st.selectbox(
        "Exercise from the library", ids, format_func=lambda e: library.exercises[e].name,
        key="add_exercise",
    )  # fmt: skip
    exercise = library.exercises[chosen]
    with st.expander(f"Instructions the patient sees: {exercise.name}"):
        st.write(exercise.description)
        st.markdown("\n".join(f"{n}. {line}" for n, line in enumerate(exercise.instructions, 1)))
    with st.form(f"add_item_{exercise.id}", clear_on_submit=True):
        plan = _item_fields(exercise, affected)
        if st.form_submit_button("Add to the program", key="add_item_submit"):
            plans.append(plan)
            st.rerun()


def _item_fields(exercise: Exercise, affected: Side) -> ExercisePlan:
    """The form's fields, keyed by exercise, filled with this exercise's defaults."""
    key = f"item_{exercise.id}"
    cols = st.columns(5)
    sets = cols[0].number_input("Sets", 1, 10, 3, key=f"{key}_sets")
    if exercise.hold is not None:
        amount = cols[1].number_input(
            "Hold (s)", 1.0, 600.0, float(exercise.hold.target_s), key=f"{key}_hold"
        )
    else:
        amount = cols[1].number_input("Reps", 1, 100, 10, key=f"{key}_reps")
    target = cols[2].number_input(
        "Target ROM (°, 0 = none)", 0.0, 180.0, float(exercise.target_rom_deg or 0.0),
        key=f"{key}_target",
    )  # fmt: skip
    limit = cols[3].number_input(
        "Not beyond (°, 0 = no limit)", 0.0, 180.0, float(exercise.rom_limit_deg or 0.0),
        key=f"{key}_limit", help="going past it is a caution on the patient's summary",
    )  # fmt: skip
    options = side_options(exercise)
    side = cols[4].selectbox(
        "Side", options, index=options.index(default_side(exercise, affected)),
        format_func=lambda s: s.value, key=f"{key}_side",
    )  # fmt: skip
    steps = _progression_fields(exercise, key)
    notes = st.text_input("Notes for the patient", key=f"{key}_notes")
    is_hold = exercise.hold is not None
    return ExercisePlan(
        exercise_id=exercise.id,
        sets=int(sets),
        reps=None if is_hold else int(amount),
        hold_s=float(amount) if is_hold else None,
        target_rom_deg=float(target) or None,
        side=Side(side),
        notes_for_patient=notes,
        rom_limit_deg=float(limit) or None,
        **steps,
    )


def _progression_fields(exercise: Exercise, key: str) -> dict[str, float | int | None]:
    st.caption("Progression, week by week from the program's start (0 = none)")
    cols = st.columns(4)
    out: dict[str, float | int | None] = {}
    if exercise.hold is None:
        step = cols[0].number_input("+ reps a week", 0, 20, 0, key=f"{key}_reps_step")
        cap = cols[1].number_input("up to (reps, 0 = no cap)", 0, 200, 0, key=f"{key}_reps_cap")
        out |= {"reps_step": int(step) or None, "reps_up_to": int(cap) or None}
    rom_step = cols[2].number_input("+ target ° a week", 0.0, 30.0, 0.0, key=f"{key}_rom_step")
    rom_cap = cols[3].number_input("up to (°, 0 = no cap)", 0.0, 180.0, 0.0, key=f"{key}_rom_cap")
    out |= {"rom_step_deg": float(rom_step) or None, "rom_up_to_deg": float(rom_cap) or None}
    return out
