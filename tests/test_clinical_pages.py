"""AppTest of the therapist's pages for issue 13 (clinical correctness and the daily work):
check-ins, the prescription editor, adherence, one trend wording, the end-of-session
summary against the prescription, the patient list's alerts, patients a therapist adds and
edits, confirmations, the session detail's layout."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from rehab.core.results import Side
from rehab.dashboard.pages.live_session import CHECKED_KEY, DONE_KEY
from rehab.dashboard.state import PATIENT_KEY, SESSION_KEY
from rehab.dashboard.tables import rep_table
from rehab.domain import condition_line
from rehab.store import Database, ExercisePlan
from rehab.store.queries import patient_detail, rom_progress, session_detail
from rehab.store.testing import Clinic, make_rep
from tests.clinical_seed import (
    SKIPPED,
    live_session,
    new_program,
    now_utc,
    uploaded_session,
)
from tests.dashboard_seed import no_exception, open_page, signed_in, texts, use_database

pytest_plugins = ["rehab.store.pytest_plugin"]

DAY = dt.timedelta(days=1)


@pytest.fixture
def home(db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    use_database(monkeypatch, db)
    return clinic


def therapist(clinic: Clinic):  # type: ignore[no-untyped-def]
    return signed_in(clinic.ther_a, "Therapist A")


def row_of(at: AppTest, name: str):  # type: ignore[no-untyped-def]
    table = at.dataframe[0].value
    return table[table["Patient"] == name].iloc[0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def deltas(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.proto.delta) for m in at.metric}


def labelled(widgets, label: str):  # type: ignore[no-untyped-def]
    found = [w for w in widgets if w.label.startswith(label)]
    assert found, f"no widget labelled {label!r}: {[w.label for w in widgets]}"
    return found[0]


def click(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label.startswith(label))
    return button.click().run()


# -- 1. check-ins: the latest RECORDED pain, a skipped check-in shown as skipped ---------------


def test_a_skipped_check_in_keeps_the_latest_recorded_pain_and_shows_as_skipped(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    now = now_utc()
    live_session(db, who, pid, now - 3 * DAY, [70.0], check_in=(6, 7, 5))
    skipped = live_session(db, who, pid, now - 1 * DAY, [72.0], check_in=SKIPPED)
    at = open_page(therapist(home))
    no_exception(at)
    row = row_of(at, "Patient 1")
    assert row["Latest pain"].startswith("7/10")  # never a default 0, never the skipped one
    assert "pain 7/10" in row["Alerts"]
    assert metrics(at)["Critical alerts"] == "1"
    at = open_page(
        therapist(home), "session_detail", state={PATIENT_KEY: pid, SESSION_KEY: skipped}
    )
    no_exception(at)
    assert "skipped" in metrics(at)["Check-in"]
    at = open_page(therapist(home), "progress", state={PATIENT_KEY: pid})
    assert metrics(at)["Latest pain"].startswith("7/10")


def test_a_check_in_with_only_the_pain_before_does_not_print_none(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    sid = live_session(db, who, pid, now_utc() - DAY, [70.0], check_in=(3, None, None))
    at = open_page(therapist(home), "session_detail", state={PATIENT_KEY: pid, SESSION_KEY: sid})
    no_exception(at)
    shown = metrics(at)["Check-in"]
    assert "None" not in shown and "3" in shown


# -- 2. the prescription editor starts each exercise from its own library defaults --------------


def test_each_added_exercise_starts_from_its_library_defaults_and_the_affected_side(
    home: Clinic,
) -> None:
    at = open_page(therapist(home), "prescriptions", state={PATIENT_KEY: home.patients[1]})
    no_exception(at)
    at.selectbox(key="add_exercise").set_value("biceps_curl").run()
    labelled(at.number_input, "Target ROM").set_value(120.0)
    at = click(at, "Add to the program")
    at.selectbox(key="add_exercise").set_value("shoulder_flexion").run()
    assert labelled(at.number_input, "Target ROM").value == 90.0  # its own default, not 120
    assert labelled(at.number_input, "Reps").value == 10
    assert labelled(at.selectbox, "Side").value == Side.LEFT  # the patient's affected side
    at = click(at, "Add to the program")
    no_exception(at)
    lines = [m for m in texts(at, "markdown") if "Shoulder flexion" in m]
    assert lines and "target 90°" in lines[0], lines
    assert any("Biceps curl" in m and "target 120°" in m for m in texts(at, "markdown"))


# -- 3. adherence: never above 100%, uploads apart, an upload of another exercise ---------------


def test_adherence_of_a_program_started_today_is_at_most_100_percent(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    today = dt.datetime.now(dt.UTC).date()
    plans = [ExercisePlan("knee_extension", sets=1, reps=10, side=Side.LEFT)]
    new_program(db, home.ther_a, pid, plans, today)
    live_session(db, who, pid, now_utc() - dt.timedelta(minutes=5), [70.0])
    at = open_page(therapist(home))
    adherence = row_of(at, "Patient 1")["Adherence 4 wk"]
    assert 0 < adherence <= 100
    at = open_page(therapist(home), "progress", state={PATIENT_KEY: pid})
    no_exception(at)
    shown = metrics(at)["Adherence"]
    assert shown.endswith("%") and int(shown.rstrip("%")) <= 100


def test_an_upload_of_an_exercise_not_in_the_program_is_not_a_home_session(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    now = now_utc()
    for days in (1, 2, 3):
        live_session(db, who, pid, now - days * DAY, [70.0])
    uploaded_session(db, home.ther_a, pid, now - 4 * DAY, "shoulder_flexion", [90.0, 92.0])
    at = open_page(therapist(home))
    assert row_of(at, "Patient 1")["This week"].startswith("3 of 3")  # not 4 of 3
    at = open_page(therapist(home), "progress", state={PATIENT_KEY: pid})
    no_exception(at)
    by_source = " ".join(texts(at, "caption") + texts(at, "markdown"))
    assert "home live 3" in by_source and "upload in clinic 1" in by_source


# -- 4. one trend for the headline and the alert, worded the same ----------------------------


def test_the_progress_headline_and_the_alert_tell_the_same_trend(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    now = now_utc()
    for days in (13, 11, 9):
        live_session(db, who, pid, now - days * DAY, [80.0, 80.0])
    for days, rom in ((6, 66.0), (4, 66.0), (2, 66.0)):
        live_session(db, who, pid, now - days * DAY, [rom, rom])
    at = open_page(therapist(home), "progress", state={PATIENT_KEY: pid})
    no_exception(at)
    alert = next(t for t in texts(at, "warning") + texts(at, "error") if "ROM down" in t)
    assert "Seated knee extension" in alert and "knee_extension" not in alert
    delta = deltas(at)["ROM (left), last 7 days"]
    assert "down 18% in a week" in delta and "down 18% in a week" in alert
    assert "since start" not in delta


# -- 5. the end-of-session summary judges ROM against the prescription -----------------------


def test_a_mini_squat_beyond_its_prescribed_limit_is_a_caution_not_praise(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    plans = [ExercisePlan("mini_squat", sets=1, reps=10, target_rom_deg=45.0)]
    new_program(db, home.ther_a, pid, plans, dt.datetime.now(dt.UTC).date() - 7 * DAY)
    now = now_utc()
    live_session(db, who, pid, now - 2 * DAY, [39.0] * 5, exercise_id="mini_squat", side=Side.BOTH)
    done = live_session(
        db, who, pid, now - dt.timedelta(minutes=3), [100.0] * 5,
        exercise_id="mini_squat", side=Side.BOTH,
    )  # fmt: skip
    patient = signed_in(who, "Patient 1", pid)
    at = open_page(patient, "live_session", state={DONE_KEY: done, CHECKED_KEY: done})
    no_exception(at)
    summary = " ".join(texts(at, "markdown") + texts(at, "warning"))
    assert "Mini squat" in summary
    assert "+61°" not in summary and "further than on" not in summary  # no praise
    assert "beyond the 45° your therapist set (100° today)" in summary


# -- 6. the patient list's alerts: severity colour, full text, exercise names -------------------


def test_the_alerts_column_names_exercises_and_shows_severity_whole(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    now = now_utc()
    for days in (13, 11, 9):
        live_session(db, who, pid, now - days * DAY, [80.0])
    for days in (6, 4, 2):
        live_session(db, who, pid, now - days * DAY, [60.0])
    at = open_page(therapist(home))
    no_exception(at)
    row = row_of(at, "Patient 1")
    assert "Seated knee extension (left): ROM down 25% in a week" in row["Alerts"]
    assert "knee_extension" not in row["Alerts"]
    assert row["Severity"] == "CRITICAL"
    table = at.dataframe[0]
    assert table.proto.row_height > 64  # tall enough for the grid to wrap the whole text


# -- 8. a therapist adds and edits their own patients; confirmations; condition text ----------


def test_a_therapist_adds_a_patient_and_hands_them_a_one_time_code(home: Clinic) -> None:
    at = open_page(therapist(home))
    form = "add_patient"
    at.text_input(key=f"{form}_name").input("Rosa Diaz")
    at.text_input(key=f"{form}_username").input("rosa")
    at.text_input(key=f"{form}_condition").input("rotator cuff repair")
    at.selectbox(key=f"{form}_side").set_value(Side.RIGHT)
    at.button(key=f"{form}_submit").click().run()
    no_exception(at)
    names = set(at.dataframe[0].value["Patient"])
    assert "Rosa Diaz" in names
    (code_text,) = [t for t in texts(at, "code") if "-" in t]
    visitor = open_page(None)
    visitor.text_input(key="code_username").input("rosa")
    visitor.text_input(key="code_code").input(code_text.strip())
    visitor.text_input(key="code_password").input("a-new-password-1")
    visitor.button(key="code_submit").click().run()
    no_exception(visitor)
    assert visitor.session_state["signed_in"].username == "rosa"
    again = open_page(None)  # the code worked once
    again.text_input(key="code_username").input("rosa")
    again.text_input(key="code_code").input(code_text.strip())
    again.text_input(key="code_password").input("another-password-2")
    again.button(key="code_submit").click().run()
    assert "signed_in" not in again.session_state


def test_a_therapist_edits_their_patient_and_the_side_is_not_repeated(home: Clinic) -> None:
    at = open_page(therapist(home))
    pid = home.patients[0]
    at.selectbox(key="edit_patient_pick").set_value(pid).run()
    at.text_input(key=f"edit_patient_{pid}_condition").input("left knee OA")
    at.button(key="edit_patient_submit").click().run()
    no_exception(at)
    row = row_of(at, "Patient 0")
    assert row["Condition"] == "left knee OA"  # not "left knee OA (left)"


@pytest.mark.parametrize(
    ("condition", "side", "said"),
    [
        ("knee OA", "left", "knee OA (left)"),
        ("left knee OA", "left", "left knee OA"),
        ("low back pain", "both", "low back pain · affected side: both"),
    ],
)
def test_a_header_says_the_side_once(condition: str, side: str, said: str) -> None:
    assert condition_line(condition, side) == said


def test_progress_and_prescriptions_headers_say_the_side_once(home: Clinic) -> None:
    pid = home.patients[0]  # knee OA, left
    for page in ("progress", "prescriptions"):
        at = open_page(therapist(home), page, state={PATIENT_KEY: pid})
        no_exception(at)
        (caption,) = [c.value for c in at.caption if "knee OA" in c.value]
        shown = caption.replace("\\", "")  # as the browser shows it (Markdown escapes gone)
        assert "knee OA (left)" in shown and "affected side" not in shown, (page, caption)


def test_ending_a_program_asks_for_confirmation(home: Clinic, db: Database) -> None:
    pid = home.patients[1]
    at = open_page(therapist(home), "prescriptions", state={PATIENT_KEY: pid})
    at = click(at, "End this program today")
    no_exception(at)
    with db.transaction() as tx:
        assert patient_detail(tx, home.ther_a, pid).programs[0].end_date is None  # not yet
    assert any("End “Knee program”" in w for w in texts(at, "warning"))
    at = click(at, "Yes, end it today")
    with db.transaction() as tx:
        assert patient_detail(tx, home.ther_a, pid).programs[0].end_date is not None


# -- 12. session detail: summary first, sets collapsed, no ArrowInvalid -----------------------


def test_the_rep_table_converts_to_arrow_without_a_fallback() -> None:
    reps = (make_rep(1), make_rep(2), make_rep(0, complete=False))
    table = rep_table(reps, 0.0)
    pa.Table.from_pandas(table)  # ArrowInvalid today: ints and "partial" in one column


def test_session_detail_is_a_summary_then_collapsed_sets_without_warnings(
    home: Clinic, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    sid = live_session(db, who, pid, now_utc() - DAY, [70.0, 71.0], check_in=(2, 3, 5))
    with caplog.at_level(logging.WARNING):
        at = open_page(
            therapist(home), "session_detail", state={PATIENT_KEY: pid, SESSION_KEY: sid}
        )
    no_exception(at)
    assert "ArrowInvalid" not in caplog.text
    assert [e.proto.expanded for e in at.expander] == [False]  # one set, collapsed
    assert texts(at, "subheader")[0] == "Summary"


def test_the_pose_model_is_shown_beside_the_rom_and_a_change_of_model_is_a_caution(
    home: Clinic, db: Database
) -> None:
    pid = home.patients[1]
    now = now_utc()
    full, heavy = "blazepose-full (mediapipe 0.10.33)", "blazepose-heavy (mediapipe 0.10.33)"
    uploaded_session(db, home.ther_a, pid, now - 3 * DAY, "knee_extension", [70.0], pose_model=full)
    sid = uploaded_session(
        db, home.ther_a, pid, now - DAY, "knee_extension", [74.0], pose_model=heavy
    )
    with db.read() as tx:
        (point_full, point_heavy) = rom_progress(tx, home.ther_a, pid)
        (detail_set,) = session_detail(tx, home.ther_a, sid).sets
    assert (point_full.pose_model, point_heavy.pose_model, detail_set.pose_model) == (
        full, heavy, heavy,
    )  # fmt: skip
    at = open_page(therapist(home), "progress", state={PATIENT_KEY: pid})
    no_exception(at)
    (caution,) = [w for w in texts(at, "warning") if "pose models" in w]
    assert "(blazepose-full, blazepose-heavy)" in caution and "compare with care" in caution
    at = open_page(therapist(home), "session_detail", state={PATIENT_KEY: pid, SESSION_KEY: sid})
    no_exception(at)
    assert at.expander[0].label.endswith("mean ROM 74° (blazepose-heavy)")


# -- 9. the clinic's time zone on the pages ---------------------------------------------------


def test_session_times_are_in_the_clinic_time_zone_an_admin_sets(
    home: Clinic, db: Database
) -> None:
    pid, who = home.patients[1], home.pat_users[1]
    at = open_page(signed_in(home.admin, "Admin"), "users")
    at.selectbox(key="clinic_zone").set_value("Europe/Madrid")
    at.button(key="clinic_zone_submit").click().run()
    no_exception(at)
    # Sunday 29 March 2026 23:30 UTC: Monday 01:30 in Madrid (the clocks went forward that day)
    sid = live_session(db, who, pid, dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC), [70.0])
    at = open_page(therapist(home), "session_detail", state={PATIENT_KEY: pid, SESSION_KEY: sid})
    no_exception(at)
    (label,) = at.selectbox(key="session_picker").options
    assert label.startswith("Mon 30 Mar 2026 01:30 CEST")
