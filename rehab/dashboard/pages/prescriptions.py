"""Prescriptions: a patient's programs, and an editor to assign, change or end exercises
(sets, reps or hold, sessions a week, target ROM, side, notes) from the YAML library."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rehab.core.exercise import Exercise, SideMode
from rehab.core.results import Side
from rehab.dashboard import formatting as fmt
from rehab.dashboard.for_the_patient import for_the_patient
from rehab.dashboard.state import (
    SignedIn,
    exercise_library,
    require_role,
    show_error,
    today,
    transaction,
)
from rehab.dashboard.widgets import pick_patient
from rehab.domain import Role
from rehab.errors import RehabError
from rehab.store import ExercisePlan, end_program, prescribe
from rehab.store.queries import Program, patient_detail

DRAFT_KEY = "program_draft"


def program_table(program: Program) -> pd.DataFrame:
    library = exercise_library()
    return pd.DataFrame(
        [
            {
                "Exercise": fmt.exercise_name(library, item.exercise_id),
                "Sets": item.sets,
                "Reps / hold": f"{item.reps} reps" if item.reps else f"{item.hold_s:.0f} s hold",
                "Target ROM": fmt.deg(item.target_rom_deg),
                "Side": item.side.value,
                "Notes for the patient": item.notes_for_patient,
            }
            for item in program.items
        ]
    )


def _status(program: Program, day: dt.date) -> str:
    if program.active_on(day):
        return "current"
    return "upcoming" if program.start_date > day else "ended"


def _show_program(user: SignedIn, program: Program) -> None:
    status = _status(program, today())
    until = f"until {fmt.day(program.end_date)}" if program.end_date else "no end date"
    with st.expander(
        f"{program.title} · {status} · from {fmt.day(program.start_date)}, {until} · "
        f"{program.sessions_per_week}×/week",
        expanded=status == "current",
    ):
        if program.clinical_notes:
            st.caption(f"For the clinic: {program.clinical_notes}")
        if program.patient_notes:
            st.caption(f"To the patient: {program.patient_notes}")
        st.dataframe(
            program_table(program), hide_index=True, key=f"program_{program.prescription_id}"
        )
        if status != "ended" and st.button(
            "End this program today", key=f"end_{program.prescription_id}"
        ):
            _end(user, program, max(program.start_date, today()))


def _end(user: SignedIn, program: Program, last_day: dt.date) -> None:
    try:
        with transaction() as tx:
            end_program(tx, user.actor, program.prescription_id, last_day)
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state.pop(DRAFT_KEY, None)
    st.rerun()


def _draft(patient_id: int, current: Program | None) -> list[ExercisePlan]:
    draft = st.session_state.get(DRAFT_KEY)
    if not isinstance(draft, dict) or draft.get("patient") != patient_id:
        first = [_plan(item) for item in current.items] if current else []
        draft = {"patient": patient_id, "plans": first}
        st.session_state[DRAFT_KEY] = draft
    plans: list[ExercisePlan] = draft["plans"]
    return plans


def _plan(item: object) -> ExercisePlan:
    fields = {k: getattr(item, k) for k in ExercisePlan.__dataclass_fields__}
    return ExercisePlan(**fields)


def _side_options(exercise: Exercise) -> list[Side]:
    if exercise.sides is SideMode.LEFT:
        return [Side.LEFT]
    if exercise.sides is SideMode.RIGHT:
        return [Side.RIGHT]
    return [Side.BOTH, Side.LEFT, Side.RIGHT]


def _add_exercise(plans: list[ExercisePlan]) -> None:
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
    with st.form("add_item", clear_on_submit=False):
        cols = st.columns(4)
        sets = cols[0].number_input("Sets", 1, 10, 3, key="item_sets")
        if exercise.hold is not None:
            amount = cols[1].number_input(
                "Hold (s)", 1.0, 600.0, float(exercise.hold.target_s), key="item_hold"
            )
        else:
            amount = cols[1].number_input("Reps", 1, 100, 10, key="item_reps")
        default_target = float(exercise.target_rom_deg or 0.0)
        target = cols[2].number_input(
            "Target ROM (°, 0 = none)", 0.0, 180.0, default_target, key="item_target"
        )
        side = cols[3].selectbox("Side", _side_options(exercise), format_func=str, key="item_side")
        notes = st.text_input("Notes for the patient", key="item_notes")
        if st.form_submit_button("Add to the program", key="add_item_submit"):
            plan = ExercisePlan(
                exercise_id=exercise.id,
                sets=int(sets),
                reps=None if exercise.hold is not None else int(amount),
                hold_s=float(amount) if exercise.hold is not None else None,
                target_rom_deg=float(target) or None,
                side=Side(side),
                notes_for_patient=notes,
            )
            plans.append(plan)
            st.rerun()


def _draft_list(plans: list[ExercisePlan]) -> None:
    library = exercise_library()
    if not plans:
        st.info("The new program has no exercise yet: add one below.")
    for n, plan in enumerate(list(plans)):
        amount = f"{plan.reps} reps" if plan.reps else f"{plan.hold_s:.0f} s hold"
        target = f", target {fmt.deg(plan.target_rom_deg)}" if plan.target_rom_deg else ""
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.write(
            f"**{fmt.exercise_name(library, plan.exercise_id)}**: {plan.sets} × {amount}, "
            f"{plan.side.value}{target}"
            + (f" — _{plan.notes_for_patient}_" if plan.notes_for_patient else "")
        )
        if right.button("Remove", key=f"remove_{n}"):
            plans.pop(n)
            st.rerun()


def _save_form(
    user: SignedIn, patient_id: int, plans: list[ExercisePlan], current: Program | None
) -> None:
    with st.form("save_program"):
        cols = st.columns([3, 1, 2])
        title = cols[0].text_input(
            "Program title", value=current.title if current else "Home program"
        )
        per_week = cols[1].number_input(
            "Sessions a week", 1, 21, current.sessions_per_week if current else 3
        )
        start = cols[2].date_input(
            "Starts", value=today(), min_value=today() - dt.timedelta(days=30)
        )
        left, right = st.columns(2)
        patient_notes = left.text_area(
            "Note to the patient (on their page, handout and reminders)",
            value=current.patient_notes if current else "",
            height=70,
        )
        clinical_notes = right.text_area(
            "Notes for the clinic (never shown to the patient)",
            value=current.clinical_notes if current else "",
            height=70,
        )
        replaces = " It replaces the current program from that day." if current else ""
        st.caption("Saving creates a new program version; past sessions keep theirs." + replaces)
        if st.form_submit_button("Save program", type="primary", key="save_program_submit"):
            notes = (clinical_notes, patient_notes)
            _save(user, patient_id, plans, current, (title, int(per_week), start, notes))


def _save(
    user: SignedIn,
    patient_id: int,
    plans: list[ExercisePlan],
    current: Program | None,
    fields: tuple[str, int, dt.date, tuple[str, str]],
) -> None:
    title, per_week, start, (clinical_notes, patient_notes) = fields
    if not plans:
        st.error("Add at least one exercise before saving.")
        return
    try:
        with transaction() as tx:
            if current is not None:
                last = max(current.start_date, start - dt.timedelta(days=1))
                end_program(tx, user.actor, current.prescription_id, last)
            prescribe(
                tx,
                user.actor,
                patient_id,
                title.strip() or "Home program",
                plans,
                per_week,
                start,
                clinical_notes=clinical_notes,
                patient_notes=patient_notes,
            )
    except RehabError as exc:
        show_error(exc)
        return
    st.session_state.pop(DRAFT_KEY, None)
    st.toast("Program saved")
    st.rerun()


def main() -> None:
    user = require_role(Role.ADMIN, Role.THERAPIST)
    st.title("Prescriptions")
    patient_id = pick_patient(user)
    if patient_id is None:
        return
    try:
        with transaction() as tx:
            patient = patient_detail(tx, user.actor, patient_id)
    except RehabError as exc:
        show_error(exc)
        return
    st.caption(
        f"{patient.name} · {patient.condition} · affected side: {patient.affected_side.value}"
    )
    for_the_patient(user, patient)
    current = next((p for p in patient.programs if p.active_on(today())), None)
    if not patient.programs:
        st.info("No program yet: build the first one below.")
    for program in patient.programs:
        _show_program(user, program)
    st.subheader("Change the program" if current else "New program")
    plans = _draft(patient_id, current)
    _draft_list(plans)
    _add_exercise(plans)
    _save_form(user, patient_id, plans, current)


if __name__ == "__main__":
    main()
