"""Log without the camera (patient): the sets and repetitions done on a day without the
camera, and the pain now. Stored as a self-reported session (source "manual"): the therapist
sees it counted as logged by the patient. Every box starts empty: nothing is assumed."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from rehab.dashboard.check_in import pain_question
from rehab.dashboard.navigation import page_path
from rehab.dashboard.patient_view import BACK, PatientPage, open_patient_page
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import today, transaction
from rehab.errors import RehabError
from rehab.i18n import N_
from rehab.store import (
    MAX_HOLD_S,
    MAX_REPS,
    MAX_SETS,
    CheckInValues,
    LoggedExercise,
    log_manual_session,
)
from rehab.store.queries import PatientProgram, ProgramItem, patient_home

SAVED_KEY = "manual_log_saved"
ROUND_KEY = "manual_log_round"
DAYS_BACK = 7  # how far back a day can be logged

TITLE = N_("Log a day without the camera")
INTRO = N_(
    "Write down what you did. Your therapist will see this day as logged by you. "
    "Leave an exercise empty if you did not do it."
)
WHICH_DAY = N_("Which day?")
TODAY_IS = N_("Today, {day}")
YESTERDAY_WAS = N_("Yesterday, {day}")
SETS = N_("Sets done")
REPS = N_("Repetitions in each set")
HOLD = N_("Seconds held each time")
LEAVE_EMPTY = N_("Leave it empty to skip this question.")
SAVE = N_("Save this day")
SAVED = N_("Saved. Your therapist will see this day as logged by you.")
NOTHING = N_("Fill in the sets you did for at least one exercise.")
MISSING_AMOUNT = N_("{exercise}: say how many repetitions (or seconds) in each set.")
NO_PROGRAM = N_("You have no exercises yet. Your therapist will set them up for you.")


def _key(name: str) -> str:
    """A widget key of this form's current round: a saved form starts again with new, empty
    widgets (a browser keeps showing what an old widget held)."""
    return f"log_{name}_r{st.session_state.get(ROUND_KEY, 0)}"


def _item_inputs(page: PatientPage, item: ProgramItem) -> tuple[int | None, float | None]:
    t = page.t
    st.markdown(f"**{plain(page.exercise_name(item.exercise_id))}** · {plain(page.dose(item))}")
    left, right = st.columns(2)
    sets = left.number_input(
        t.gettext(SETS), 0, MAX_SETS, value=None, step=1, key=_key(f"sets_{item.item_id}")
    )
    if item.hold_s is not None:
        amount = right.number_input(
            t.gettext(HOLD), 0, int(MAX_HOLD_S), value=None, step=5,
            key=_key(f"hold_{item.item_id}"),
        )  # fmt: skip
    else:
        amount = right.number_input(
            t.gettext(REPS), 0, MAX_REPS, value=None, step=1, key=_key(f"reps_{item.item_id}")
        )
    return (None if sets is None else int(sets)), (None if amount is None else float(amount))


def _logged(
    page: PatientPage, program: PatientProgram, answers: dict[int, tuple[int | None, float | None]]
) -> list[LoggedExercise] | None:
    """The exercises filled in; None (with a message) when one is half filled or none is."""
    logged = []
    for item in program.items:
        sets, amount = answers[item.item_id]
        if not sets:
            continue
        if amount is None:
            name = page.exercise_name(item.exercise_id)
            st.warning(page.t.gettext(MISSING_AMOUNT).format(exercise=plain(name)))
            return None
        hold = item.hold_s is not None
        logged.append(
            LoggedExercise(
                item.exercise_id, sets, reps=None if hold else int(amount),
                hold_s=amount if hold else None, side=item.side,
                prescription_item_id=item.item_id,
            )
        )  # fmt: skip
    if not logged:
        st.warning(page.t.gettext(NOTHING))
        return None
    return logged


def _when(day: dt.date) -> dt.datetime:
    """The time a logged day is stored at: now for today, midday (UTC) for an earlier day."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return now if day >= now.date() else dt.datetime.combine(day, dt.time(12), dt.UTC)


def _which_day(page: PatientPage) -> dt.date:
    """Today or one of the last DAYS_BACK days, in the patient's words (a calendar widget
    would name the months in English whatever the patient's language)."""
    t, last = page.t, today()
    days = [last - dt.timedelta(days=n) for n in range(DAYS_BACK + 1)]
    named = {0: TODAY_IS, 1: YESTERDAY_WAS}

    def words(day: dt.date) -> str:
        back = (last - day).days
        if back in named:
            return t.gettext(named[back]).format(day=t.short_day(day))
        return t.weekday_day(day)

    picked = st.selectbox(t.gettext(WHICH_DAY), days, format_func=words, key=_key("day"))
    return picked if isinstance(picked, dt.date) else last


def _form(page: PatientPage, program: PatientProgram) -> None:
    t = page.t
    with st.form("manual_log"):  # kept as typed when refused; emptied once saved
        day = _which_day(page)
        answers = {item.item_id: _item_inputs(page, item) for item in program.items}
        pain = pain_question(_key("pain"), t)
        st.caption(t.gettext(LEAVE_EMPTY))
        sent = st.form_submit_button(t.gettext(SAVE), type="primary", width="stretch")
    if not sent:
        return
    logged = _logged(page, program, answers)
    if logged is None:
        return
    check_in = CheckInValues(pain_after=pain)  # no pain given: a skipped check-in
    with transaction() as tx:
        log_manual_session(
            tx, page.user.actor, page.patient_id, _when(day), logged, check_in,
            prescription_id=program.prescription_id,
        )  # fmt: skip
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1  # an empty form next
    st.session_state[SAVED_KEY] = True
    st.rerun()


def main() -> None:
    page = open_patient_page()
    if page is None:
        return
    t = page.t
    st.title(t.gettext(TITLE), anchor=False)
    if st.session_state.pop(SAVED_KEY, False):
        st.success(t.gettext(SAVED), icon=":material/check_circle:")
        st.toast(t.gettext(SAVED), icon=":material/check_circle:")  # seen wherever they scrolled
    try:
        with transaction() as tx:
            home = patient_home(tx, page.user.actor, page.patient_id, today(), today())
        if home.program is None:
            st.info(t.gettext(NO_PROGRAM))
            return
        st.caption(t.gettext(INTRO))
        _form(page, home.program)
    except RehabError as exc:
        st.error(plain(exc))
    st.page_link(page_path("home"), label=t.gettext(BACK), icon=":material/home:")


if __name__ == "__main__":
    main()
