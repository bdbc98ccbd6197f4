"""Exercise with the camera (patient): one prescribed exercise, live, in the patient's language.

Today's page starts it for one exercise of the program (its Start button). Before the
camera: the pain now, asked in words and left empty until the patient picks a number. Then
the camera check, live counting and the controls: the count and the buttons sit beside the
picture on a laptop and above it on a phone, so they are never below the fold. After:
"how much does it hurt now" and "how hard was that" (or skip), and what was done.

When the on-device routes are on (rehab/dashboard/ondevice.py), "Start the camera" opens
the on-device component: the pose is found in the patient's browser and the server counts
the landmarks it sends; a browser that cannot run the model falls back to the server-side
camera. There, the webcam frames are processed in streamlit-webrtc's worker thread by
`rehab.live.LiveProcessor`; this page only reads what it puts in a queue, a few times a
second, and never waits on the camera. Reps are saved as they count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import av
import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from rehab.core.check_in import CheckInValues
from rehab.core.exercise import Exercise
from rehab.dashboard import ondevice
from rehab.dashboard.check_in import check_in_form, pain_question
from rehab.dashboard.navigation import page_path
from rehab.dashboard.patient_view import BACK, PatientPage, open_patient_page
from rehab.dashboard.safe_text import plain
from rehab.dashboard.speech import speech_script
from rehab.dashboard.state import clinic_zone, database, exercise_library, today, transaction
from rehab.domain import SessionStatus
from rehab.errors import RehabError
from rehab.i18n import N_, Translator
from rehab.live.flow import LiveStatus, Phase
from rehab.live.history import (
    close_cut_off_sessions,
    cut_off_notice,
    plans_from_program,
    session_summary,
)
from rehab.live.overlay import SIDE_COUNT
from rehab.live.processor import LiveUpdate
from rehab.live.session import LiveSession, rtc_configuration
from rehab.live.writer import save_check_in
from rehab.patient.progress_words import range_sentence
from rehab.pose.media_limits import decoded_size
from rehab.store.queries import PatientProgram, ProgramItem, patient_home

LIVE_KEY = "live_session"
LAST_KEY = "live_last_update"
SEEN_KEY = "live_last_seen"
DONE_KEY = "live_done_session"
CHECKED_KEY = "live_checked_in"
SPEAK_KEY = "live_speak"
ITEM_KEY = "live_item"
PAIN_BEFORE_KEY = "live_pain_before"
NOTHING_KEY = "live_nothing_counted"
NO_PICTURE_S = 4.0

NO_PROGRAM = N_("You have no exercises yet. Your therapist will set them up for you.")
CHOOSE = N_("Which exercise would you like to do?")
START = N_("Start: {exercise}")
START_CAMERA = N_("Start the camera")
BEFORE = N_("Before you start")
OTHER = N_("Choose another exercise")
SPEAK = N_("Say the counts and tips out loud")
PRESS_START = N_("Press {start} on the camera picture and allow the camera.")
CAMERA_START = N_("Start camera")
CAMERA_WORDS = {  # streamlit-webrtc's buttons and messages
    "start": CAMERA_START,
    "stop": N_("Stop camera"),
    "select_device": N_("Choose the camera"),
    "select_camera": N_("Camera"),
    "media_api_not_available": N_("This browser cannot use a camera here."),
    "device_ask_permission": N_("Please allow this page to use your camera."),
    "device_not_available": N_("No camera found."),
    "device_access_denied": N_("The camera is blocked: allow it in your browser's settings."),
    "turn_camera_on": N_("Turn the camera on"),
    "turn_camera_off": N_("Turn the camera off"),
}
STAND = N_("Stand where you can see yourself on the picture.")
REPETITIONS = N_("Repetitions")
HELD = N_("Seconds held")
SET_OF = N_("Set {set} of {sets}")
EACH_SIDE = N_("Counted for each side: {sides}")
GETTING_READY = N_("Getting ready: {message}")
RESTING = N_("Set done. Rest for {seconds} seconds")
ALL_DONE = N_("All sets done. Well done!")
COUNTING = N_("Counting")
SAVED_SO_FAR = N_("Saved so far: {reps} · camera: {pictures}")
NO_PICTURE = N_(
    "No picture from the camera. What you did is saved: press {start} to carry on, or {end}."
)
FINISH_SET = N_("Finish this set")
SKIP_REST = N_("Skip the rest")
END = N_("End session")
TITLE = N_("Exercise with the camera")
WELL_DONE = N_("Well done!")
THANKS = N_("Thank you. Your therapist will see this session.")
NOTHING_COUNTED = N_("No set was counted this time.")
HELD_FOR = N_("{seconds} seconds held")
BEYOND_LIMIT = N_(
    "You went beyond the {limit}° your therapist set ({rom}° today): go gently next time."
)


# -- choosing the exercise -------------------------------------------------------------------


def _chosen(program: PatientProgram) -> ProgramItem | None:
    wanted = st.query_params.get("item")
    if wanted is not None and wanted.isdigit():
        st.session_state[ITEM_KEY] = int(wanted)
    chosen = st.session_state.get(ITEM_KEY)
    return program.item(chosen) if isinstance(chosen, int) else None


def _choose(page: PatientPage, program: PatientProgram) -> None:
    t = page.t
    st.subheader(t.gettext(CHOOSE), anchor=False)
    for item in program.items:
        name = page.exercise_name(item.exercise_id)
        label = t.gettext(START).format(exercise=name)
        if st.button(label, key=f"choose_{item.item_id}", type="primary", width="stretch"):
            st.session_state[ITEM_KEY] = item.item_id
            st.query_params["item"] = str(item.item_id)
            st.rerun()
        st.caption(plain(page.dose(item)))


def _before(page: PatientPage, program: PatientProgram, item: ProgramItem) -> None:
    t = page.t
    if st.session_state.pop(NOTHING_KEY, False):  # ended before a set began
        st.info(t.gettext(NOTHING_COUNTED))
    st.markdown(f"**{plain(page.dose(item))}**")
    if item.notes_for_patient:
        st.info(plain(item.notes_for_patient), icon=":material/chat:")
    st.subheader(t.gettext(BEFORE), anchor=False)
    pain = pain_question("live_pain_before_q", t)
    if st.button(t.gettext(START_CAMERA), type="primary", key="start_camera", width="stretch",
                 icon=":material/videocam:"):  # fmt: skip
        _begin(page, program, item, pain)
    st.page_link(page_path("home"), label=t.gettext(OTHER), icon=":material/arrow_back:")


def _begin(page: PatientPage, program: PatientProgram, item: ProgramItem, pain: int | None) -> None:
    """On-device when it can (the pose found in the patient's browser), else the server's
    camera: one exercise of the program either way."""
    one = replace(program, items=(item,))
    st.session_state[PAIN_BEFORE_KEY] = pain
    speak = bool(st.session_state.get(SPEAK_KEY, True))  # as the patient last left it
    if not ondevice.begin(one, pain, page.language, speak=speak):
        _begin_server_camera(page, one, pain)
    st.rerun()


def _begin_server_camera(page: PatientPage, one: PatientProgram, pain: int | None) -> None:
    library = exercise_library()

    def exercise(exercise_id: str) -> Exercise:
        found = page.exercise(exercise_id)
        return found if found is not None else library.get(exercise_id)

    st.session_state[LIVE_KEY] = LiveSession.create(
        database(),
        page.user.actor,
        page.patient_id,
        plans_from_program(one),
        exercise,
        prescription_id=one.prescription_id,
        pain_before=pain,
        gettext=page.t.gettext,
    )


# -- live ------------------------------------------------------------------------------------


def _callback(live: LiveSession) -> Callable[[av.VideoFrame], av.VideoFrame]:
    """streamlit-webrtc calls this in its worker thread, once per camera frame."""

    def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
        width, height = decoded_size(frame.width, frame.height)  # a huge camera: bounded
        rgb = np.asarray(frame.to_ndarray(format="rgb24", width=width, height=height), np.uint8)
        out = live.processor.process(rgb, live.clock(frame.time))
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    return on_frame


def _camera_words(t: Translator) -> dict[str, str]:
    """The camera component's own words, in the patient's language."""
    return {key: t.gettext(words) for key, words in CAMERA_WORDS.items()}


def _camera(live: LiveSession, t: Translator) -> None:
    webrtc_streamer(
        translations=_camera_words(t),  # type: ignore[arg-type]
        key="live-camera",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration(),
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
        video_frame_callback=_callback(live),
        async_processing=True,
    )
    st.caption(t.gettext(STAND))
    st.toggle(t.gettext(SPEAK), value=True, key=SPEAK_KEY)


def _speak(words: list[str], language: str) -> None:
    """Say the words through the browser's speech synthesis (and log them for tests)."""
    if not words or not st.session_state.get(SPEAK_KEY, True):
        return
    st.html(speech_script(words, language), unsafe_allow_javascript=True)


def _count_text(status: LiveStatus) -> str:
    if status.hold_target_s is not None:
        return f"{int(status.hold_s)} / {status.hold_target_s:g}"
    if status.target_reps is not None:
        return f"{status.reps} / {status.target_reps}"
    return str(status.reps)


def _phase_text(status: LiveStatus, t: Translator) -> str:
    if status.phase is Phase.SETUP:
        return t.gettext(GETTING_READY).format(message=status.message)
    if status.phase is Phase.REST:
        return t.gettext(RESTING).format(seconds=math.ceil(status.rest_left_s))
    if status.phase is Phase.DONE:
        return t.gettext(ALL_DONE)
    return status.message or t.gettext(COUNTING)


def _show_status(status: LiveStatus, update: LiveUpdate | None, stale: bool, t: Translator) -> None:
    label = t.gettext(REPETITIONS if status.hold_target_s is None else HELD)
    st.metric(label, _count_text(status))
    st.markdown(t.gettext(SET_OF).format(set=status.set_index, sets=status.sets))
    if len(status.reps_by_side) > 1:
        each = " · ".join(
            t.gettext(SIDE_COUNT.get(side, "{reps}")).format(reps=reps)
            for side, reps in status.reps_by_side
        )
        st.caption(t.gettext(EACH_SIDE).format(sides=each))
    box = st.success if status.set_done or status.phase is Phase.DONE else st.info
    start = t.gettext(CAMERA_START).upper()
    box(
        plain(_phase_text(status, t))
        if update is not None
        else t.gettext(PRESS_START).format(start=start)
    )
    if update is None:
        return
    n = update.saved_reps
    reps = t.ngettext("{n} repetition", "{n} repetitions", n).format(n=n)
    fps = round(update.fps)
    pictures = t.ngettext("{n} picture a second", "{n} pictures a second", fps).format(n=fps)
    st.caption(t.gettext(SAVED_SO_FAR).format(reps=reps, pictures=pictures))
    if update.error:
        st.error(plain(update.error))
    if stale and status.phase is not Phase.DONE:
        st.warning(t.gettext(NO_PICTURE).format(start=start, end=t.gettext(END)))


@st.fragment(run_every=0.5)
def _live_panel(language: str, t: Translator) -> None:
    live = st.session_state.get(LIVE_KEY)
    if not isinstance(live, LiveSession):
        return
    latest, words = live.drain()
    now = time.monotonic()
    if latest is not None:
        st.session_state[LAST_KEY], st.session_state[SEEN_KEY] = latest, now
    update = st.session_state.get(LAST_KEY)
    update = update if isinstance(update, LiveUpdate) else None
    status = update.status if update is not None else live.processor.status()
    _speak(words, language)
    stale = update is not None and now - st.session_state.get(SEEN_KEY, now) > NO_PICTURE_S
    _show_status(status, update, stale, t)
    _controls(live, status, t)


def _controls(live: LiveSession, status: LiveStatus, t: Translator) -> None:
    """Always the same three buttons in the same place (those that do not apply are off);
    the first two side by side on a phone too (a horizontal row does not stack)."""
    row = st.container(horizontal=True)
    if row.button(t.gettext(FINISH_SET), key="finish_set", width="stretch",
                  disabled=status.phase is not Phase.COUNTING):  # fmt: skip
        live.processor.end_set()
    if row.button(t.gettext(SKIP_REST), key="skip_rest", width="stretch",
                  disabled=status.phase is not Phase.REST):  # fmt: skip
        live.processor.skip_rest()
    ended = st.button(t.gettext(END), type="primary", key="end_session", width="stretch",
                      icon=":material/stop_circle:")  # fmt: skip
    if status.phase is Phase.DONE or ended:
        _end(live)


def _end(live: LiveSession) -> None:
    live.finish(SessionStatus.COMPLETED)
    st.session_state[DONE_KEY] = live.writer.session_id if live.writer else None
    st.session_state[NOTHING_KEY] = st.session_state[DONE_KEY] is None
    for key in (LIVE_KEY, LAST_KEY, SEEN_KEY):
        st.session_state.pop(key, None)
    st.rerun(scope="app")


def _live(page: PatientPage, live: LiveSession) -> None:
    panel, picture = st.columns([2, 3], gap="medium")
    with picture:
        _camera(live, page.t)
    with panel:
        _live_panel(page.language, page.t)


def _ondevice(page: PatientPage, started: ondevice.OnDeviceStart, one: PatientProgram) -> None:
    """The on-device session (rehab/dashboard/ondevice.py); its end leads to the check-in,
    and a browser that cannot run the model to the server-side camera."""
    outcome = ondevice.show(page.user.actor, page.patient_id, started)
    if outcome is not None and outcome.finished:
        st.session_state[DONE_KEY] = outcome.session_id
        st.session_state[NOTHING_KEY] = outcome.session_id is None
        st.rerun()
    elif outcome is not None and outcome.fallback:
        _begin_server_camera(page, one, started.pain_before)
        st.rerun()


# -- after -----------------------------------------------------------------------------------


def _check_in(page: PatientPage, session_id: int) -> None:
    t = page.t
    if st.session_state.get(CHECKED_KEY) == session_id:
        st.success(t.gettext(THANKS), icon=":material/check_circle:")
        return
    answers = check_in_form("after", t)
    if answers is None:
        return
    # skipped: the questions stay None (never 0); the pain given before the session stays
    values = CheckInValues(st.session_state.get(PAIN_BEFORE_KEY), answers.pain, answers.effort)
    save_check_in(database(), page.user.actor, session_id, values)
    st.session_state[CHECKED_KEY] = session_id
    st.rerun()


def _limit(exercise_id: str) -> float | None:
    found = exercise_library().exercises.get(exercise_id)
    return found.rom_limit_deg if found is not None else None


def _summary(page: PatientPage, session_id: int) -> None:
    """Per exercise: what was done, and the range of motion in words; beyond the limit
    prescribed (or the library's) it is a caution, never praise."""
    t = page.t
    rows = session_summary(database(), page.user.actor, page.patient_id, session_id,
                           page.exercise_name, _limit, clinic_zone())  # fmt: skip
    if not rows:
        st.caption(t.gettext(NOTHING_COUNTED))
    for row in rows:
        sets = t.ngettext("{n} set", "{n} sets", row.sets).format(n=row.sets)
        if row.hold_s:
            done = t.gettext(HELD_FOR).format(seconds=round(row.hold_s))
        else:
            done = t.ngettext("{n} repetition", "{n} repetitions", row.reps).format(n=row.reps)
        line = f"**{plain(row.name)}**: {sets}, {done}."
        if row.rom_verdict[0].is_caution and row.goal.limit_deg is not None:
            # beyond the limit: a caution with the numbers, never a "further than" as praise
            caution = t.gettext(BEYOND_LIMIT).format(
                limit=round(row.goal.limit_deg), rom=round(row.mean_rom_deg)
            )
            st.warning(f"{line} {caution}")
            continue
        exercise = page.exercise(row.exercise_id)
        if exercise is not None and not math.isnan(row.mean_rom_deg):
            then = None if row.last_day is None else (row.last_day, row.last_rom_deg)
            line += " " + plain(range_sentence(exercise, then, row.mean_rom_deg, t, today()))
        st.markdown(line)


def _after(page: PatientPage, session_id: int) -> None:
    t = page.t
    st.header(t.gettext(WELL_DONE), anchor=False)
    _summary(page, session_id)
    _check_in(page, session_id)
    if st.button(t.gettext(BACK), key="back_home", icon=":material/home:"):
        for key in (DONE_KEY, ITEM_KEY, CHECKED_KEY, PAIN_BEFORE_KEY):
            st.session_state.pop(key, None)
        st.switch_page(page_path("home"))


# -- the page --------------------------------------------------------------------------------


def _page(page: PatientPage) -> None:
    t = page.t
    done = st.session_state.get(DONE_KEY)
    if isinstance(done, int):
        _after(page, done)
        return
    live = st.session_state.get(LIVE_KEY)
    if not isinstance(live, LiveSession):
        sessions = close_cut_off_sessions(database(), page.user.actor, page.patient_id)
        notice = cut_off_notice(sessions, t, clinic_zone())
        if notice:
            st.warning(notice)
    with transaction() as tx:
        program = patient_home(tx, page.user.actor, page.patient_id, today(), today()).program
    if program is None:
        st.info(t.gettext(NO_PROGRAM))
        return
    item = _chosen(program)
    if item is None:
        st.title(t.gettext(TITLE), anchor=False)
        _choose(page, program)
        return
    st.subheader(plain(page.exercise_name(item.exercise_id)), anchor=False)
    started = ondevice.running()
    if started is not None:
        _ondevice(page, started, replace(program, items=(item,)))
    elif isinstance(live, LiveSession):
        _live(page, live)
    else:
        _before(page, program, item)


def main() -> None:
    page = open_patient_page()
    if page is None:
        return
    try:
        _page(page)
    except RehabError as exc:
        st.error(plain(exc))


if __name__ == "__main__":
    main()
