"""The on-device live session inside the patient's exercise page.

When the server registered the on-device routes (`rehab/server`) and the pose runtime and
models are installed, "Start the camera" (for the exercise chosen on Today) shows the
on-device component (an iframe served from `/ondevice/component/`) instead of the
server-side camera: the picture stays in the browser, the landmarks go to the ingest, the
page shows and speaks what it answers. The component gets a short-lived token for this
patient and program (through Streamlit's own channel, never in a URL) and tells the page
when the session is finished, or that the browser cannot run the model (then the
server-side camera takes over).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from rehab.core.landmarks import POSE_CONNECTIONS
from rehab.i18n import SPEECH_LANGUAGE
from rehab.live.ondevice import routes
from rehab.live.ondevice.models import DEFAULT_VARIANT, SLOW_VARIANT
from rehab.live.ondevice.texts import page_texts
from rehab.live.ondevice.tokens import LiveClaims, issue_token
from rehab.store import Actor
from rehab.store.queries import PatientProgram, Program

START_KEY = "ondevice_start"
MODE_KEY = "live_mode"  # "server" once the patient's browser could not run the model
COMPONENT = "rehab_ondevice"
SLOW_FPS = 10.0  # below this in the first seconds, the page switches to the lite model
MIN_FPS = 2.0  # below this even with lite, the counter cannot follow (a frame every 0.6 s)
TARGET_FPS = 15.0  # the page runs the model at most this often (what the counter needs)


@dataclass(frozen=True)
class OnDeviceStart:
    """What "Start" fixed: the program's items to do, the pain before, the language."""

    prescription_id: int
    item_ids: tuple[int, ...]
    pain_before: int | None
    language: str
    nonce: int  # a new component (and value) for each session
    speak: bool = True  # the page's "speak aloud" control starts as the patient left it


@dataclass(frozen=True)
class Outcome:
    """What the component reported: the session finished (its id, None when no set began),
    or the browser cannot run the model (`fallback`)."""

    finished: bool
    session_id: int | None
    fallback: bool


def ondevice_problem() -> str:
    """Why on-device sessions are off on this server ("" when they are on)."""
    if st.session_state.get(MODE_KEY) == "server":
        return "this browser cannot run the pose model"
    server = routes.current()
    if server is None:
        return "the server was started without the on-device routes (`make run` starts them)"
    return server.problem


def begin(
    program: Program | PatientProgram,
    pain_before: int | None,
    language: str = "en",
    speak: bool = True,
) -> bool:
    """Start an on-device session when they are on; False to use the server-side camera."""
    if ondevice_problem():
        return False
    items = tuple(item.item_id for item in program.items)
    st.session_state[START_KEY] = OnDeviceStart(
        program.prescription_id, items, pain_before, language, time.time_ns(), speak
    )
    return True


def running() -> OnDeviceStart | None:
    start = st.session_state.get(START_KEY)
    return start if isinstance(start, OnDeviceStart) else None


def _token(actor: Actor, patient_id: int, start: OnDeviceStart) -> str:
    server = routes.current()
    assert server is not None
    claims = LiveClaims(
        user_id=actor.user_id,
        patient_id=patient_id,
        prescription_id=start.prescription_id,
        item_ids=start.item_ids,
        language=start.language,
        pain_before=start.pain_before,
    )
    settings = server.hub.settings
    return issue_token(server.hub.services.secret, claims, settings.page_token_ttl_s)


def _outcome(value: Any) -> Outcome | None:
    if not isinstance(value, dict):
        return None
    session_id = value.get("session_id")
    return Outcome(
        finished=value.get("finished") is True,
        session_id=session_id if isinstance(session_id, int) else None,
        fallback=value.get("fallback") is True,
    )


def show(actor: Actor, patient_id: int, start: OnDeviceStart) -> Outcome | None:
    """The component, with a fresh token; what it reported, once it did."""
    component = components.declare_component(COMPONENT, url=f"{routes.PREFIX}/component/")
    value = component(
        token=_token(actor, patient_id, start),
        texts=page_texts(start.language),
        speech_lang=SPEECH_LANGUAGE[start.language],
        speak=start.speak,
        connections=[[int(a), int(b)] for a, b in POSE_CONNECTIONS],
        model=DEFAULT_VARIANT,
        slow_model=SLOW_VARIANT,
        slow_fps=SLOW_FPS,
        min_fps=MIN_FPS,
        target_fps=TARGET_FPS,
        key=f"ondevice-{start.nonce}",
        default=None,
    )
    outcome = _outcome(value)
    if outcome is not None and (outcome.finished or outcome.fallback):
        st.session_state.pop(START_KEY, None)
        if outcome.fallback:
            st.session_state[MODE_KEY] = "server"
    return outcome
