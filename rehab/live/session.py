"""Putting a live session together: today's sets from the program, the writer, the
processor and the WebRTC settings.
"""

from __future__ import annotations

import json
import os
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rehab.core.check_in import CheckInValues
from rehab.core.exercise import Exercise
from rehab.domain import SessionSource, SessionStatus
from rehab.errors import InputError
from rehab.live.flow import SessionFlow, SetPlan
from rehab.live.processor import LiveProcessor, LiveUpdate, StreamClock
from rehab.live.writer import IDLE_S, Finish, SessionWriter, save_check_in
from rehab.store import Actor, Database

ENV_ICE_SERVERS = "REHAB_ICE_SERVERS"  # JSON list of RTCIceServer dicts (full control)
ENV_TURN_URL = "REHAB_TURN_URL"  # e.g. turn:turn.example.org:3478
ENV_TURN_USERNAME = "REHAB_TURN_USERNAME"
ENV_TURN_CREDENTIAL = "REHAB_TURN_CREDENTIAL"
ENV_STUN_URL = "REHAB_STUN_URL"


def rtc_configuration(env: dict[str, str] | None = None) -> dict[str, list[dict[str, object]]]:
    """ICE servers from the environment; none on localhost (the default)."""
    source = os.environ if env is None else env
    raw = source.get(ENV_ICE_SERVERS, "").strip()
    if raw:
        try:
            servers = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{ENV_ICE_SERVERS} is not valid JSON ({exc})") from exc
        if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
            raise InputError(f"{ENV_ICE_SERVERS} must be a JSON list of objects with 'urls'")
        return {"iceServers": servers}
    ice: list[dict[str, object]] = []
    stun = source.get(ENV_STUN_URL, "").strip()
    if stun:
        ice.append({"urls": [stun]})
    turn = source.get(ENV_TURN_URL, "").strip()
    if turn:
        server: dict[str, object] = {"urls": [turn]}
        user, secret = source.get(ENV_TURN_USERNAME, ""), source.get(ENV_TURN_CREDENTIAL, "")
        if user:
            server["username"], server["credential"] = user, secret
        ice.append(server)
    return {"iceServers": ice}


@dataclass
class LiveSession:
    """One patient's live session: the flow, its processor and its writer."""

    patient_id: int | None
    processor: LiveProcessor
    writer: SessionWriter | None  # None: counting only, nothing saved
    updates: queue.Queue[LiveUpdate] = field(default_factory=lambda: queue.Queue(maxsize=64))
    clock: StreamClock = field(default_factory=StreamClock)  # frame times across streams

    @classmethod
    def create(
        cls,
        db: Database,
        actor: Actor,
        patient_id: int,
        plans: Sequence[SetPlan],
        exercises: Callable[[str], Exercise],
        *,
        prescription_id: int | None = None,
        pain_before: int | None = None,
        source: SessionSource = SessionSource.LIVE,
        gettext: Callable[[str], str] | None = None,
        **processor_options: object,
    ) -> LiveSession:
        """`exercises` gives each exercise in the patient's language, `gettext` translates
        the flow's and the overlay's own words (English when None)."""
        writer = SessionWriter(db, actor, patient_id, prescription_id, pain_before, source)
        updates: queue.Queue[LiveUpdate] = queue.Queue(maxsize=64)
        flow = SessionFlow(plans, exercises, **({"gettext": gettext} if gettext else {}))
        processor = LiveProcessor(flow, updates, writer, **processor_options)  # type: ignore[arg-type]
        writer.alive = lambda: processor.seconds_since_frame() < IDLE_S
        return cls(patient_id, processor, writer, updates)

    @classmethod
    def unsaved(
        cls,
        plans: Sequence[SetPlan],
        exercises: Callable[[str], Exercise],
        **processor_options: object,
    ) -> LiveSession:
        """Counting only (nobody signed in): nothing is written anywhere."""
        updates: queue.Queue[LiveUpdate] = queue.Queue(maxsize=64)
        flow = SessionFlow(plans, exercises)
        processor = LiveProcessor(flow, updates, None, **processor_options)  # type: ignore[arg-type]
        return cls(None, processor, None, updates)

    def drain(self) -> tuple[LiveUpdate | None, list[str]]:
        """Everything the camera thread said since the last call: the newest update and the
        words to speak."""
        latest: LiveUpdate | None = None
        speech: list[str] = []
        while True:
            try:
                update = self.updates.get_nowait()
            except queue.Empty:
                return latest, speech
            latest = update
            speech += update.speak

    def finish(self, status: SessionStatus = SessionStatus.COMPLETED) -> None:
        """Stop counting, save what is left and close the session row."""
        self.processor.stop()
        if self.writer is not None:
            self.writer.submit(Finish(status))
            self.writer.flush()
        self.processor.close()

    def check_in(self, pain_after: int | None, effort_rpe: int | None) -> None:
        """The patient's answers at the end, saved with the pain they gave at the start
        (nothing to save when counting only, or before the first set began)."""
        writer = self.writer
        if writer is None or writer.session_id is None:
            return
        values = CheckInValues(writer.pain_before, pain_after, effort_rpe)
        save_check_in(writer.db, writer.actor, writer.session_id, values)
