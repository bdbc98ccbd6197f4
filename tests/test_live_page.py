"""AppTest of the patient's "Exercise with the camera" page (no browser, no camera)."""

from __future__ import annotations

import datetime as dt

import pytest

from rehab.live.writer import CUT_OFF_AFTER
from rehab.store import Database, SessionRecorder
from rehab.store.testing import Clinic, make_rep
from tests.dashboard_seed import no_exception, open_page, signed_in, texts, use_database

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture
def home(db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    use_database(monkeypatch, db)
    return clinic


def _patient(clinic: Clinic, n: int = 0):  # type: ignore[no-untyped-def]
    return signed_in(clinic.pat_users[n], f"Patient {n}", clinic.patients[n])


def _first_item(at) -> int:  # type: ignore[no-untyped-def]
    key = next(b.key for b in at.button if str(b.key).startswith("choose_"))
    return int(str(key).removeprefix("choose_"))


def test_without_a_chosen_exercise_the_page_offers_each_one(home: Clinic) -> None:
    at = open_page(_patient(home), "live_session", timeout_s=120)
    no_exception(at)
    assert texts(at, "title") == ["Exercise with the camera"]
    starts = [b.label for b in at.button if b.label.startswith("Start")]
    assert starts == ["Start: Seated knee extension", "Start: Wall sit"]
    assert [c.replace("\\", "") for c in texts(at, "caption")[:2]] == [  # Markdown escapes
        "3 sets of 10 repetitions · Left side",
        "2 sets: hold 20 seconds each · Both sides",
    ]
    at.button(key=f"choose_{_first_item(at)}").click().run()
    assert texts(at, "subheader")[0] == "Seated knee extension"
    assert at.button(key="start_camera").label == "Start the camera"
    assert not texts(at, "warning")  # nothing was cut off


def test_a_session_cut_off_earlier_is_reported_with_its_saved_reps(
    home: Clinic, db: Database
) -> None:
    quiet_since = dt.datetime.now(dt.UTC) - CUT_OFF_AFTER - dt.timedelta(seconds=5)
    recorder = SessionRecorder.start(
        db, home.pat_users[0], home.patients[0], clock=lambda: quiet_since
    )
    recorder.begin_set("knee_extension")
    for n in (1, 2):
        recorder.record_rep(make_rep(n))  # then the tab was closed: nothing since
    at = open_page(_patient(home), "live_session", timeout_s=120)
    no_exception(at)
    (notice,) = texts(at, "warning")
    assert "stopped before the end" in notice
    assert "the 2 repetitions you did were saved" in notice


def test_a_session_written_to_just_now_is_left_alone(home: Clinic, db: Database) -> None:
    """Another tab (or `rehab live`) is still writing it: not cut off, no notice."""
    recorder = SessionRecorder.start(db, home.pat_users[0], home.patients[0])
    recorder.begin_set("knee_extension")
    recorder.record_rep(make_rep(1))
    first = recorder.session_id
    at = open_page(_patient(home), "live_session", timeout_s=120)
    no_exception(at)
    assert not texts(at, "warning")
    recorder.record_rep(make_rep(2))  # still the same session, still in progress
    assert recorder.session_id == first
