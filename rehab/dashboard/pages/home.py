"""Today (the patient's home page): today's exercises with one big Start each and how to do
them, the week and the streak, how each exercise is going in plain words, the printed
program and calendar reminders, and the patient's language. Nothing of the clinic's: no
charts, numbers for clinicians, counting rules, tools or clinical notes."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from rehab.core.exercise import Exercise
from rehab.dashboard.navigation import page_path
from rehab.dashboard.patient_view import LANGUAGE_KEY, PatientPage, open_patient_page
from rehab.dashboard.questionnaire_form import due_questionnaires
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import clinic_zone, database, today, transaction
from rehab.demos.cache import demo_gif
from rehab.errors import RehabError
from rehab.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from rehab.live.history import close_cut_off_sessions, cut_off_notice
from rehab.patient.printouts import file_name, handout_pdf, reminders_ics
from rehab.patient.progress import Today, exercise_progress
from rehab.patient.week import Week, history_start, this_week
from rehab.store import set_patient_language
from rehab.store.queries import (
    PatientHome,
    ProgramItem,
    patient_home,
    rom_progress,
    volume_progress,
)

ITEM_KEY = "live_item"  # the prescribed exercise the live page starts with
CUT_OFF_SHOWN = dt.timedelta(days=2)  # a session cut off this recently is mentioned on Today

HELLO = N_("Hello, {name}")
NO_PROGRAM = N_("You have no exercises yet. Your therapist will set them up for you.")
FROM_THERAPIST = N_("From your therapist")
TODAYS_EXERCISES = N_("Today's exercises")
START = N_("Start: {exercise}")
DONE_TODAY = N_("Done today")
SETS_DONE_TODAY = N_("{done} of {sets} sets done today")
HOW_TO = N_("See how to do it")
NO_DEMO = N_("No demonstration for this exercise yet.")
NO_CAMERA = N_("No camera today? Log what you did by hand.")
THIS_WEEK = N_("This week")
SESSIONS_DONE = N_("{done} of {target} sessions done")
ALL_DONE = N_("All this week's sessions done. Well done!")
HOW_YOU_ARE_DOING = N_("How you are doing")
NOTHING_YET = N_("Once you have done an exercise with the camera, you will see here how it goes.")
TAKE_WITH_YOU = N_("Take your program with you")
PRINT = N_("Print my exercises (PDF)")
REMIND_AT = N_("Remind me at")
CALENDAR = N_("Add reminders to my calendar")
CALENDAR_WORDS = N_(
    "A calendar file for your phone or computer: your exercise days, with a reminder."
)
LANGUAGE = N_("Language")
FIRST_WEEK = N_("Your first week: every session counts. You can do this!")
NEW_STREAK = N_("Do all of this week's sessions to start a streak.")


def _start(item: ProgramItem) -> None:
    st.session_state[ITEM_KEY] = item.item_id
    st.switch_page(page_path("live_session"), query_params={"item": str(item.item_id)})


def _demo(exercise: Exercise, page: PatientPage) -> None:
    t = page.t
    with st.expander(t.gettext(HOW_TO)):
        try:
            st.image(demo_gif(exercise, page.language), width=360)
        except RehabError:
            st.caption(t.gettext(NO_DEMO))
        st.markdown("\n".join(f"1. {plain(step)}" for step in exercise.instructions))


def _item_card(page: PatientPage, n: int, item: ProgramItem, sets_today: int) -> None:
    t = page.t
    exercise = page.exercise(item.exercise_id)
    name = exercise.name if exercise is not None else item.exercise_id
    with st.container(border=True, key=f"item_{item.item_id}"):
        st.subheader(f"{n}. {plain(name)}", anchor=False)
        st.markdown(f"**{plain(page.dose(item))}**")
        if sets_today >= item.sets:
            st.success(t.gettext(DONE_TODAY), icon=":material/check_circle:")
        elif sets_today:
            st.caption(t.gettext(SETS_DONE_TODAY).format(done=sets_today, sets=item.sets))
        if item.notes_for_patient:
            st.info(plain(item.notes_for_patient), icon=":material/chat:")
        if exercise is not None:
            _demo(exercise, page)
        label = t.gettext(START).format(exercise=name)
        if st.button(label, type="primary", key=f"start_{item.item_id}", width="stretch",
                     icon=":material/play_arrow:"):  # fmt: skip
            _start(item)


def _week(page: PatientPage, week: Week) -> None:
    """Two short lines under the greeting: the week so far, and the streak."""
    t = page.t
    parts = [t.gettext(SESSIONS_DONE).format(done=week.done, target=week.target)]
    if week.remaining:
        n = week.remaining
        parts.append(t.ngettext("{n} session to go", "{n} sessions to go", n).format(n=n))
    else:
        parts.append(t.gettext(ALL_DONE))
    if week.self_reported:
        n = week.self_reported
        logged = t.ngettext("{n} of them was logged by hand", "{n} of them were logged by hand", n)
        parts.append(logged.format(n=n))
    st.markdown(f":material/event_available: **{t.gettext(THIS_WEEK)}:** " + " · ".join(parts))
    n = week.streak_weeks
    if not week.started:
        st.markdown(f":material/waving_hand: {t.gettext(FIRST_WEEK)}")
    elif not n:
        st.markdown(f":material/flag: {t.gettext(NEW_STREAK)}")
    else:
        streak = t.ngettext(
            "{n} week in a row with every session done",
            "{n} weeks in a row with every session done",
            n,
        ).format(n=n)
        st.markdown(f":material/local_fire_department: {streak}")


def _progress(page: PatientPage, home: PatientHome, since: dt.date) -> None:
    assert home.program is not None
    t = page.t
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    with transaction() as tx:
        rom = rom_progress(tx, page.user.actor, page.patient_id, start)
        volume = volume_progress(tx, page.user.actor, page.patient_id, start)
    manual = {s.session_id for s in home.sessions if s.self_reported}
    lines = exercise_progress(
        home.program.items, page.exercise, rom, volume, manual.__contains__, t,
        Today(today(), clinic_zone()),
    )  # fmt: skip
    st.subheader(t.gettext(HOW_YOU_ARE_DOING), anchor=False)
    if not lines:
        st.caption(t.gettext(NOTHING_YET))
    for line in lines:
        st.markdown(f"**{plain(line.exercise_name)}**: {plain(line.sentence)}")


def _questionnaires_due(page: PatientPage) -> None:
    """Questionnaires the therapist has asked for that are due: a link to fill them in."""
    n = len(due_questionnaires(page))
    if n:
        words = page.t.ngettext(
            "Your therapist asks you to fill in {n} questionnaire",
            "Your therapist asks you to fill in {n} questionnaires",
            n,
        )
        with st.container(border=True, key="questionnaires_due"):
            st.page_link(page_path("questionnaires"), label=words.format(n=n),
                         icon=":material/checklist:")  # fmt: skip


def _downloads(page: PatientPage, home: PatientHome) -> None:
    t, day = page.t, today()
    st.subheader(t.gettext(TAKE_WITH_YOU), anchor=False)

    def exercise(exercise_id: str) -> Exercise | None:
        return page.exercise(exercise_id)

    st.download_button(
        t.gettext(PRINT),
        data=lambda: handout_pdf(home, exercise, day),
        file_name=file_name("home-program", day, ".pdf"),
        mime="application/pdf",
        icon=":material/print:",
        key="handout_pdf",
        width="stretch",
        on_click="ignore",  # a download needs no rerun (a click during one is lost)
    )
    at = st.time_input(t.gettext(REMIND_AT), value=dt.time(18, 0), key="remind_at", step=900)
    zone = st.context.timezone or "UTC"
    st.download_button(
        t.gettext(CALENDAR),
        data=lambda: reminders_ics(home, exercise, day, at, zone),
        file_name=file_name("exercise-reminders", day, ".ics"),
        mime="text/calendar",
        icon=":material/event:",
        key="reminders_ics",
        width="stretch",
        on_click="ignore",
    )
    st.caption(t.gettext(CALENDAR_WORDS))


def _language(page: PatientPage) -> None:
    chosen = st.selectbox(
        page.t.gettext(LANGUAGE),
        LANGUAGES,
        index=LANGUAGES.index(page.language),
        format_func=LANGUAGE_NAMES.__getitem__,
        key="language_choice",
    )
    if chosen != page.language:
        with transaction() as tx:
            set_patient_language(tx, page.user.actor, page.patient_id, chosen)
        st.session_state[LANGUAGE_KEY] = chosen
        st.rerun()


def _cut_off(page: PatientPage) -> None:
    """A session the page or the camera cut off (the store closes it now): what was saved."""
    sessions = close_cut_off_sessions(database(), page.user.actor, page.patient_id)
    recent = (
        dt.datetime.now(dt.UTC) - sessions[-1].started_at < CUT_OFF_SHOWN if sessions else False
    )
    notice = cut_off_notice(sessions[-1:], page.t, clinic_zone()) if recent else ""
    if notice:
        st.warning(notice)


def _body(page: PatientPage) -> None:
    t, day = page.t, today()
    since = history_start(day)
    _cut_off(page)
    with transaction() as tx:
        home = patient_home(tx, page.user.actor, page.patient_id, day, since)
    st.title(t.gettext(HELLO).format(name=plain(home.name)), anchor=False)
    if home.program is None:
        st.info(t.gettext(NO_PROGRAM))
        _questionnaires_due(page)
        return
    first = home.first_done_at.date() if home.first_done_at else None
    _week(page, this_week(home.program, home.sessions, day, first))
    if home.program.note:
        st.info(f"**{t.gettext(FROM_THERAPIST)}**  \n{plain(home.program.note)}")
    st.header(t.gettext(TODAYS_EXERCISES), anchor=False)
    for n, item in enumerate(home.program.items, start=1):
        _item_card(page, n, item, home.sets_on_day.get(item.item_id, 0))
    st.page_link(page_path("manual_log"), label=t.gettext(NO_CAMERA), icon=":material/edit_note:")
    _questionnaires_due(page)
    _progress(page, home, since)
    _downloads(page, home)


def main() -> None:
    page = open_patient_page()
    if page is None:
        return
    try:
        _body(page)
    except RehabError as exc:
        st.error(plain(exc))
    _language(page)


if __name__ == "__main__":
    main()
