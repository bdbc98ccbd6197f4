"""Today's session (patient): the program, a camera set-up check, live counting, check-in.

One button starts it. The webcam frames are processed in streamlit-webrtc's worker thread by
`rehab.live.LiveProcessor` (pose, counting, overlay); this page only reads what it puts in a
queue, a few times a second, and never waits on the camera. Reps are saved as they count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import av
import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from rehab.core.check_in import CheckInValues
from rehab.dashboard import ondevice
from rehab.dashboard.safe_text import plain
from rehab.dashboard.speech import speech_script
from rehab.dashboard.state import (
    clinic_zone,
    database,
    exercise_library,
    require_role,
    today,
)
from rehab.domain import Role, SessionStatus
from rehab.errors import RehabError
from rehab.exercise_library import UnknownExerciseError
from rehab.live.flow import LiveStatus, Phase
from rehab.live.history import (
    close_cut_off_sessions,
    cut_off_notice,
    plans_from_program,
    session_summary,
    todays_program,
)
from rehab.live.processor import LiveUpdate
from rehab.live.session import LiveSession, rtc_configuration
from rehab.live.writer import save_check_in
from rehab.pose.media_limits import decoded_size
from rehab.store import Actor
from rehab.store.queries import Program

LIVE_KEY = "live_session"
LAST_KEY = "live_last_update"
SEEN_KEY = "live_last_seen"
DONE_KEY = "live_done_session"
CHECKED_KEY = "live_checked_in"
SPEAK_KEY = "live_speak"
PAIN_BEFORE_KEY = "live_pain_before"
NO_PICTURE_S = 4.0


def _name(exercise_id: str) -> str:
    try:
        return exercise_library().get(exercise_id).name
    except UnknownExerciseError:
        return exercise_id


def _target(reps: int | None, hold_s: float | None) -> str:
    if hold_s is not None:
        return f"hold {hold_s:g} s"
    return f"{reps} reps" if reps is not None else "as many as you can"


def _show_program(program: Program) -> None:
    st.subheader(plain(program.title))
    if program.notes:
        st.caption(plain(program.notes))
    for n, item in enumerate(program.items, start=1):
        side = "" if item.side.value == "both" else f" ({item.side.value} side)"
        line = f"**{n}. {_name(item.exercise_id)}**{side}: {item.sets} × "
        line += _target(item.reps, item.hold_s)
        with st.expander(line):
            if item.notes_for_patient:
                st.info(plain(item.notes_for_patient))
            try:
                steps = exercise_library().get(item.exercise_id).instructions
            except UnknownExerciseError:
                steps = []
            st.markdown("\n".join(f"1. {step}" for step in steps))


def _start_form(program: Program, patient_id: int) -> None:
    require_role(Role.PATIENT)
    with st.form("live_start"):
        pain = st.slider("How much pain do you feel right now? (0 = none, 10 = worst)", 0, 10, 0)
        begin = st.form_submit_button("Begin today's session", type="primary")
    if begin:
        st.session_state[PAIN_BEFORE_KEY] = pain
        speak = bool(st.session_state.get(SPEAK_KEY, True))
        if not ondevice.begin(program, pain, speak=speak):  # on-device when it can
            _begin_server_camera(program, patient_id, pain)
        st.rerun()


def _begin_server_camera(program: Program, patient_id: int, pain: int | None) -> None:
    user = require_role(Role.PATIENT)
    library = exercise_library()
    st.session_state[LIVE_KEY] = LiveSession.create(
        database(),
        user.actor,
        patient_id,
        plans_from_program(program),
        library.get,
        prescription_id=program.prescription_id,
        pain_before=pain,
    )


def _callback(live: LiveSession) -> Callable[[av.VideoFrame], av.VideoFrame]:
    """streamlit-webrtc calls this in its worker thread, once per camera frame."""

    def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
        width, height = decoded_size(frame.width, frame.height)  # a huge camera: bounded
        rgb = np.asarray(frame.to_ndarray(format="rgb24", width=width, height=height), np.uint8)
        out = live.processor.process(rgb, live.clock(frame.time))
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    return on_frame


def _camera(live: LiveSession) -> None:
    st.markdown("Press **START** and allow the camera. Stand where you can see yourself.")
    webrtc_streamer(
        key="live-camera",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration(),
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
        video_frame_callback=_callback(live),
        async_processing=True,
    )


def _speak(words: list[str]) -> None:
    """Say the words through the browser's speech synthesis (and log them for tests)."""
    if not words or not st.session_state.get(SPEAK_KEY, True):
        return
    st.html(speech_script(words, "en"), unsafe_allow_javascript=True)


def _count_text(status: LiveStatus) -> str:
    if status.hold_target_s is not None:
        return f"{int(status.hold_s)} / {status.hold_target_s:g} s"
    if status.target_reps is not None:
        return f"{status.reps} / {status.target_reps}"
    return str(status.reps)


def _phase_text(status: LiveStatus) -> str:
    if status.phase is Phase.SETUP:
        return f"Getting ready: {status.message}"
    if status.phase is Phase.REST:
        return f"Set done. Rest: {math.ceil(status.rest_left_s)} s"
    if status.phase is Phase.DONE:
        return "All sets done. Well done!"
    return status.message or "Counting"


def _show_status(update: LiveUpdate, stale: bool) -> None:
    status = update.status
    st.markdown(f"### {status.exercise_name}")
    cols = st.columns(3)
    cols[0].metric("Reps" if status.hold_target_s is None else "Held", _count_text(status))
    cols[1].metric("Set", f"{status.set_index} of {status.sets}")
    cols[2].metric("Program", f"{status.plan_index + 1} of {status.plan_count} sets")
    if len(status.reps_by_side) > 1:
        each = " · ".join(f"{side.value} {reps}" for side, reps in status.reps_by_side)
        st.caption(f"Reps are counted for each side: {each}")
    box = st.success if status.set_done or status.phase is Phase.DONE else st.info
    box(_phase_text(status))
    st.caption(f"Saved so far: {update.saved_reps} reps · camera {update.fps:.0f} frames/s")
    if update.error:
        st.error(update.error)
    if stale and status.phase is not Phase.DONE:
        st.warning(
            f"No picture from the camera. The {update.saved_reps} reps you did are saved: "
            "press START to carry on, or End session."
        )


@st.fragment(run_every=0.5)
def _live_panel() -> None:
    live = st.session_state.get(LIVE_KEY)
    if not isinstance(live, LiveSession):
        return
    latest, words = live.drain()
    now = time.monotonic()
    if latest is not None:
        st.session_state[LAST_KEY], st.session_state[SEEN_KEY] = latest, now
    update = st.session_state.get(LAST_KEY)
    if not isinstance(update, LiveUpdate):
        st.info("Waiting for the camera… press START.")
        return
    _speak(words)
    _show_status(update, now - st.session_state.get(SEEN_KEY, now) > NO_PICTURE_S)
    _controls(live, update.status)


def _controls(live: LiveSession, status: LiveStatus) -> None:
    cols = st.columns(3)
    if status.phase is Phase.COUNTING and cols[0].button("Finish this set"):
        live.processor.end_set()
    if status.phase is Phase.REST and cols[1].button("Skip the rest"):
        live.processor.skip_rest()
    if status.phase is Phase.DONE or cols[2].button("End session", type="primary"):
        _end(live)


def _end(live: LiveSession) -> None:
    live.finish(SessionStatus.COMPLETED)
    st.session_state[DONE_KEY] = live.writer.session_id if live.writer else None
    st.session_state.pop(LIVE_KEY, None)
    st.rerun(scope="app")


def _ondevice(
    actor: Actor, patient_id: int, started: ondevice.OnDeviceStart, program: Program
) -> None:
    """The on-device session (rehab/dashboard/ondevice.py); its end leads to the check-in,
    and a browser that cannot run the model to the server-side camera."""
    outcome = ondevice.show(actor, patient_id, started)
    if outcome is not None and outcome.finished:
        st.session_state[DONE_KEY] = outcome.session_id
        st.rerun()
    elif outcome is not None and outcome.fallback:
        _begin_server_camera(program, patient_id, started.pain_before)
        st.rerun()


def _check_in(session_id: int) -> None:
    if st.session_state.get(CHECKED_KEY) == session_id:
        st.success("Thank you. Your therapist will see this session on their dashboard.")
        return
    with st.form("live_check_in"):
        pain = st.slider("How much pain do you feel now? (0 = none, 10 = worst)", 0, 10, 0)
        effort = st.slider("How hard was it? (0 = rest, 10 = maximal effort)", 0, 10, 5)
        sent = st.form_submit_button("Save my answers", type="primary")
    if sent:
        _save_check_in(session_id, pain, effort)


def _save_check_in(session_id: int, pain_after: int, effort: int) -> None:
    user = require_role(Role.PATIENT)
    values = CheckInValues(st.session_state.get(PAIN_BEFORE_KEY), pain_after, effort)
    save_check_in(database(), user.actor, session_id, values)
    st.session_state[CHECKED_KEY] = session_id
    st.rerun()


def _limit(exercise_id: str) -> float | None:
    found = exercise_library().exercises.get(exercise_id)
    return found.rom_limit_deg if found is not None else None


def _summary(patient_id: int, session_id: int) -> None:
    """Per exercise: what was done, and the range of motion judged against the prescription
    (going beyond a prescribed limit is a caution, never praise)."""
    user = require_role(Role.PATIENT)
    st.header("Session summary")
    rows = session_summary(database(), user.actor, patient_id, session_id, _name, _limit)
    if not rows:
        st.info("No set was counted in this session.")
    for row in rows:
        done = f"{row.hold_s:.0f} s held" if row.hold_s else f"{row.reps} reps"
        verdict, words = row.rom_verdict
        line = (
            f"**{row.name}**: {row.sets} set{'s' if row.sets != 1 else ''}, {done}; "
            f"range of motion {words}"
        )
        (st.warning if verdict.is_caution else st.markdown)(line)


def main() -> None:
    user = require_role(Role.PATIENT)
    st.title("Today's session")
    if user.patient_id is None:
        st.error("Your account has no patient record yet: please ask your therapist.")
        return
    if ondevice.running() is None:  # the on-device page has its own (one control, not two)
        st.toggle("Speak the counts and tips aloud", value=True, key=SPEAK_KEY)
    try:
        _page(user.patient_id)
    except RehabError as exc:
        st.error(str(exc))


def _page(patient_id: int) -> None:
    user = require_role(Role.PATIENT)
    done = st.session_state.get(DONE_KEY)
    if isinstance(done, int):
        _check_in(done)
        _summary(patient_id, done)
        if st.button("Back to today's program"):
            st.session_state.pop(DONE_KEY, None)
            st.rerun()
        return
    live = st.session_state.get(LIVE_KEY)
    if not isinstance(live, LiveSession):
        sessions = close_cut_off_sessions(database(), user.actor, patient_id)
        notice = cut_off_notice(sessions, clinic_zone())
        if notice:
            st.warning(notice)
    program = todays_program(database(), user.actor, patient_id, today())
    if program is None:
        st.info("You have no exercise program for today. Your therapist will set one up.")
        return
    started = ondevice.running()
    if started is not None:
        _ondevice(user.actor, patient_id, started, program)
    elif isinstance(live, LiveSession):
        _camera(live)
        _live_panel()
    else:
        _show_program(program)
        _start_form(program, patient_id)


if __name__ == "__main__":
    main()
