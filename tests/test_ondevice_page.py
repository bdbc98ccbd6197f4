"""The patient's exercise page with on-device sessions (AppTest, no browser): "Start the
camera" for the exercise chosen on Today opens the component with a token for this patient,
program and exercise; a server without the routes, or a browser that cannot run the model,
gets the server-side camera; a finished session leads to the check-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from rehab.dashboard import ondevice
from rehab.exercise_library import load_library
from rehab.live.ondevice import routes
from rehab.live.ondevice.authorize import Refused, authorize
from rehab.live.ondevice.ingest import Services, utc_today
from rehab.live.ondevice.texts import page_texts, saved_reps_text
from rehab.live.ondevice.tokens import LiveClaims, verify_token
from rehab.store import Database, SessionRecorder, queries
from rehab.store.testing import Clinic, make_rep
from tests.dashboard_seed import no_exception, open_page, signed_in, texts, use_database
from tests.ondevice_support import SECRET, installed_runtime

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture
def home(db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    use_database(monkeypatch, db)
    return clinic


@pytest.fixture
def with_routes(
    db: Database, home: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[routes.OnDeviceServer]:
    """The on-device routes registered in this process (as `rehab/server/st_app.py` does)."""
    models = tmp_path / "models"
    models.mkdir()
    for variant in ("lite", "full"):
        (models / f"pose_landmarker_{variant}.task").write_bytes(b"x" * 100)
    monkeypatch.setenv("REHAB_WEB_DIR", str(installed_runtime()))
    monkeypatch.setenv("REHAB_MODELS_DIR", str(models))
    library = load_library()
    monkeypatch.setattr(routes, "_SERVER", None)  # put back (None) after the test
    routes.ondevice_routes(Services(lambda: db, lambda: library, SECRET))
    server = routes.current()
    assert server is not None and server.available, server and server.problem
    yield server
    server.hub.close()


def _patient(clinic: Clinic):  # type: ignore[no-untyped-def]
    return signed_in(clinic.pat_users[0], "Patient 0", clinic.patients[0])


def _first_item(at: AppTest) -> int:
    key = next(b.key for b in at.button if str(b.key).startswith("choose_"))
    return int(str(key).removeprefix("choose_"))


def _begin(at: AppTest) -> tuple[AppTest, int]:
    """Choose the first exercise (as Today's Start button does), then start the camera."""
    item_id = _first_item(at)
    at.button(key=f"choose_{item_id}").click().run()
    return at.button(key="start_camera").click().run(), item_id


def _has(at: AppTest, key: str) -> bool:
    try:
        at.session_state[key]
    except KeyError:
        return False
    return True


def _components(at: AppTest) -> list[dict[str, Any]]:
    return [
        json.loads(e.proto.json_args)
        for e in at.main
        if getattr(e, "type", "") == "component_instance"
    ]


def test_begin_opens_the_on_device_session_with_a_token_for_this_program(
    with_routes: routes.OnDeviceServer, home: Clinic, db: Database
) -> None:
    at, item_id = _begin(open_page(_patient(home), "live_session", timeout_s=120))
    no_exception(at)
    (args,) = _components(at)
    claims = verify_token(SECRET, args["token"])
    with db.transaction() as tx:
        program = queries.patient_detail(tx, home.pat_users[0], home.patients[0]).programs[0]
    assert (claims.user_id, claims.patient_id, claims.prescription_id) == (
        home.pat_users[0].user_id,
        home.patients[0],
        program.prescription_id,
    )
    assert item_id in {i.item_id for i in program.items}
    assert claims.item_ids == (item_id,)  # the one exercise the patient chose
    assert claims.pain_before is None and claims.language == "en"  # no number picked
    assert args["texts"]["privacy"].startswith("Your video stays on this device")
    assert args["model"] == "full" and args["slow_fps"] == 10.0
    assert [11, 13] in args["connections"]  # the skeleton's edges, as the server's overlay
    assert not _has(at, "live_session")  # no server-side camera


def test_without_the_routes_or_the_runtime_begin_uses_the_server_side_camera(
    with_routes: routes.OnDeviceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ondevice.ondevice_problem() == ""
    monkeypatch.setattr(with_routes, "problem", "the on-device pose runtime is not installed")
    assert ondevice.ondevice_problem() == "the on-device pose runtime is not installed"
    monkeypatch.setattr(routes, "_SERVER", None)
    assert "without the on-device routes" in ondevice.ondevice_problem()


def test_a_finished_on_device_session_leads_to_the_check_in_and_summary(
    with_routes: routes.OnDeviceServer, home: Clinic, db: Database
) -> None:
    recorder = SessionRecorder.start(db, home.pat_users[0], home.patients[0])
    recorder.begin_set("knee_extension")
    for n in (1, 2, 3):
        recorder.record_rep(make_rep(n))
    recorder.finish()
    with db.transaction() as tx:
        program = queries.patient_detail(tx, home.pat_users[0], home.patients[0]).programs[0]
    item_id = program.items[0].item_id
    started = ondevice.OnDeviceStart(program.prescription_id, (item_id,), 2, "en", 1)
    value = {"finished": True, "session_id": recorder.session_id}  # what the component sends
    state = {ondevice.START_KEY: started, f"ondevice-{started.nonce}": value}
    at = open_page(_patient(home), "live_session", state={**state, "live_item": item_id})
    no_exception(at)
    assert "Well done!" in texts(at, "header")
    assert any("3 repetitions" in m for m in texts(at, "markdown"))
    assert not _has(at, ondevice.START_KEY)


SPEAK = "Speak the counts and tips aloud"
SERVER_CAMERA_SPEAK = "Say the counts and tips out loud"


@pytest.mark.parametrize("left_on", [True, False])
def test_the_on_device_session_has_one_speak_aloud_control(
    with_routes: routes.OnDeviceServer, home: Clinic, left_on: bool
) -> None:
    """During an on-device session only the component's own checkbox (not the server
    camera's toggle), which starts as the patient last left the toggle."""
    state = {"live_speak": left_on}
    at, _ = _begin(open_page(_patient(home), "live_session", state=state, timeout_s=120))
    no_exception(at)
    assert [t.label for t in at.toggle if t.label in (SPEAK, SERVER_CAMERA_SPEAK)] == []
    (args,) = _components(at)
    assert args["texts"]["speak"] == SPEAK and args["speak"] is left_on


def test_the_saved_count_is_worded_by_the_plural_rule_in_both_languages() -> None:
    assert [saved_reps_text("en", n) for n in (0, 1, 2, 21)] == [
        "0 reps saved", "1 rep saved", "2 reps saved", "21 reps saved"
    ]  # fmt: skip
    assert [saved_reps_text("es", n) for n in (0, 1, 2)] == [
        "0 repeticiones guardadas", "1 repetición guardada", "2 repeticiones guardadas"
    ]  # fmt: skip
    assert all("{saved}" not in page_texts(lang)["info"] for lang in ("en", "es"))


def test_the_ingest_counts_only_the_exercise_the_page_started(home: Clinic, db: Database) -> None:
    """The patient's page starts one exercise: its sets only; an item that is not in
    today's program (it changed since the page was drawn) is refused."""
    with db.transaction() as tx:
        program = queries.patient_detail(tx, home.pat_users[0], home.patients[0]).programs[0]
    first, second = program.items[0], program.items[1]
    claims = LiveClaims(
        user_id=home.pat_users[0].user_id,
        patient_id=home.patients[0],
        prescription_id=program.prescription_id,
        item_ids=(second.item_id,),
        language="es",
        pain_before=None,
    )
    day = utc_today()
    plans = authorize(db, claims, day).plans
    assert [plan.item_id for plan in plans] == [second.item_id] * second.sets
    assert first.item_id not in {plan.item_id for plan in plans}
    gone = claims.model_copy(update={"item_ids": (second.item_id, 10_000)})
    with pytest.raises(Refused, match="the program has changed"):
        authorize(db, gone, day)
