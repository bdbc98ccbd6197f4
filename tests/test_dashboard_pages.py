"""AppTest of the dashboard's clinic pages as admin, therapist and patient: sign in, patients,
progress, session detail, today's session; refusals and empty states."""

from __future__ import annotations

import datetime as dt

import pytest

from rehab.dashboard.pages.session_detail import EXPAND_KEY
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import PATIENT_KEY, SESSION_KEY
from rehab.domain import Role
from rehab.store import Actor, Database, create_user
from tests.dashboard_seed import (
    PAGES,
    Seeded,
    no_exception,
    open_page,
    seed,
    signed_in,
    texts,
    use_database,
)

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture
def seeded(db: Database, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    use_database(monkeypatch, db)
    return seed(db)


def therapist_a(s: Seeded):  # type: ignore[no-untyped-def]
    return signed_in(s.clinic.ther_a, "Therapist A")


# -- sign in -----------------------------------------------------------------------------------


def test_a_visitor_sees_only_the_sign_in_form(seeded: Seeded) -> None:
    at = open_page(None)
    no_exception(at)
    assert texts(at, "title") == ["Rehab tracker"]
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]
    # below it, a first sign-in with the one-time code a therapist gave (issue 13)
    assert at.text_input(key="code_code").label == "Sign-in code"
    assert not at.sidebar.button  # no navigation, no sign out


def test_a_wrong_password_is_refused_without_saying_which_part(seeded: Seeded) -> None:
    at = open_page(None)
    at.text_input[0].input("ther_a")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert texts(at, "error") == ["Wrong username or password."]
    assert "signed_in" not in at.session_state


def test_a_therapist_signs_in_and_lands_on_their_patients(seeded: Seeded) -> None:
    at = open_page(None)
    at.text_input[0].input("ther_a")
    at.text_input[1].input("pw-ther_a-1-long")
    at.button[0].click().run()
    no_exception(at)
    assert texts(at, "title") == ["Patients"]
    names = set(at.dataframe[0].value["Patient"])
    assert names == {"Patient 0", "Patient 1"}  # Patient 2 belongs to therapist B


def test_sign_out_forgets_the_user(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded))
    at.sidebar.button(key="sign_out").click().run()
    assert "signed_in" not in at.session_state
    assert texts(at, "title") == ["Rehab tracker"]


def test_an_empty_database_says_how_to_create_the_first_account(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, db)
    at = open_page(None)
    no_exception(at)
    assert any("rehab user add" in text and "rehab demo" in text for text in texts(at, "info"))


# -- patients ----------------------------------------------------------------------------------


def test_admin_sees_every_patient_with_their_therapist_and_the_users_page(seeded: Seeded) -> None:
    at = open_page(signed_in(seeded.clinic.admin, "Admin"))
    no_exception(at)
    table = at.dataframe[0].value
    assert set(table["Patient"]) == {"Patient 0", "Patient 1", "Patient 2"}
    assert set(table["Therapist"]) == {"Therapist A", "Therapist B"}


def test_patient_list_puts_the_most_urgent_first_with_adherence_and_pain(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded))
    table = at.dataframe[0].value
    first, second = table.iloc[0], table.iloc[1]
    assert first["Patient"] == "Patient 1"  # no session since the program started: stalled
    assert "stalled: no session yet (" in first["Alerts"] and first["Last session"] == "never"
    assert second["Patient"] == "Patient 0"
    assert second["Latest pain"] == "3/10" and second["Last session"] == "yesterday"
    assert second["This week"].startswith("3 of 3")
    assert 0 < second["Adherence 4 wk"] <= 100


def test_search_and_severity_filters_narrow_the_list(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded))
    at.text_input(key="search").input("patient 0").run()
    assert list(at.dataframe[0].value["Patient"]) == ["Patient 0"]
    at.text_input(key="search").input("").run()
    at.multiselect(key="severity").select("high").run()
    assert list(at.dataframe[0].value["Patient"]) == ["Patient 1"]
    at.text_input(key="search").input("nobody like this").run()
    assert any("No patient matches" in t for t in texts(at, "info"))


def test_opening_a_patient_goes_to_their_progress(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded))
    at.selectbox(key="open_patient").set_value(seeded.clinic.patients[0])
    at.button(key="open_progress").click().run()
    no_exception(at)
    assert texts(at, "title")[0] == "Patient 0"
    assert at.session_state[PATIENT_KEY] == seeded.clinic.patients[0]


def test_a_therapist_without_patients_is_told_what_to_do(seeded: Seeded) -> None:
    with seeded.db.transaction() as tx:
        user_id = create_user(
            tx, seeded.clinic.admin, "ther_c", "C", Role.THERAPIST, "pw-ther-c-1-long"
        )
    at = open_page(signed_in(Actor(user_id, Role.THERAPIST)))
    no_exception(at)
    assert any("no patients yet" in t for t in texts(at, "info"))


def test_a_patient_has_no_route_to_the_patient_list(seeded: Seeded) -> None:
    patient = signed_in(seeded.clinic.pat_users[0], "Patient 0", seeded.clinic.patients[0])
    at = open_page(patient, timeout_s=120)
    assert texts(at, "title") == ["Hello, Patient 0"]  # their own home page
    assert not at.dataframe
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"{PAGES}/patients.py")  # not among the patient's pages


# -- progress ----------------------------------------------------------------------------------


def _progress(seeded: Seeded, index: int, user=None, **state: object):  # type: ignore[no-untyped-def]
    who = user or therapist_a(seeded)
    return open_page(who, "progress", state={PATIENT_KEY: seeded.clinic.patients[index], **state})


def test_progress_shows_quotable_numbers_and_every_chart(seeded: Seeded) -> None:
    at = _progress(seeded, 0)
    no_exception(at)
    assert texts(at, "title") == ["Patient 0"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions in period"] == "7"
    assert metrics["Latest pain"] == "3/10"
    # the trend, last 7 days against the 7 before: the falling-ROM alert's own figures
    assert metrics["ROM (left), last 7 days"].endswith("°")
    assert metrics["Target ROM"] == "80°"  # the prescribed target, not the library default
    # knee ROM + volume, wall-sit hold, adherence calendar, pain, form issues
    assert len(at.get("plotly_chart")) >= 6
    assert [t.label for t in at.tabs] == ["Seated knee extension", "Wall sit"]


def test_progress_offers_the_report_downloads(seeded: Seeded) -> None:
    at = _progress(seeded, 0)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["PDF for the clinic file", "HTML to explore", "CSV tables (zip)"]


def test_a_shorter_period_counts_only_its_sessions(seeded: Seeded) -> None:
    at = _progress(seeded, 0)
    since = seeded.now.date() - dt.timedelta(days=7)
    at.date_input[0].set_value((since, seeded.now.date())).run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions in period"] == "3"  # 6 and 3 days ago, and yesterday


def test_progress_of_a_patient_without_sessions_says_what_happens_next(seeded: Seeded) -> None:
    at = _progress(seeded, 1)
    no_exception(at)
    (info,) = [t for t in texts(at, "info") if "No sessions" in t]
    assert info.startswith("No sessions yet.")  # never had one: no "try a longer period"
    assert "longer period" not in info
    assert not at.get("plotly_chart")


def test_a_period_without_sessions_suggests_a_longer_one(seeded: Seeded) -> None:
    at = _progress(seeded, 0)
    before = seeded.now.date() - dt.timedelta(days=60)
    at.date_input[0].set_value((before, before + dt.timedelta(days=10))).run()
    no_exception(at)
    assert any("No sessions in this period: try a longer" in t for t in texts(at, "info"))


def test_the_store_refuses_another_therapists_patient(seeded: Seeded) -> None:
    at = _progress(seeded, 2)  # therapist B's patient, asked for by therapist A
    no_exception(at)
    errors = texts(at, "error")
    assert plain(f"No patient #{seeded.clinic.patients[2]} among yours.") in errors
    assert not at.get("plotly_chart")


def test_a_patient_gets_their_home_page_not_the_clinicians_progress(seeded: Seeded) -> None:
    """The clinician's progress page (charts, ROM, the clinic's PDF) is not a patient's: they
    see their progress in plain words on their home page (tests/test_patient_pages.py)."""
    patient = signed_in(seeded.clinic.pat_users[0], "Patient 0", seeded.clinic.patients[0])
    at = open_page(patient, state={PATIENT_KEY: seeded.clinic.patients[2]}, timeout_s=120)
    no_exception(at)
    assert texts(at, "title") == ["Hello, Patient 0"]
    assert not at.sidebar.selectbox and not at.get("plotly_chart")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"{PAGES}/progress.py")  # not among the patient's pages


# -- session detail ----------------------------------------------------------------------------


def test_session_with_a_stored_stream_has_trace_reps_and_replay(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded), "session_detail",
                   state={PATIENT_KEY: seeded.clinic.patients[0], EXPAND_KEY: True})  # fmt: skip
    no_exception(at)
    assert at.session_state[SESSION_KEY] == seeded.stream_session  # the newest first
    assert len(at.dataframe) == 2  # the summary per exercise, then the opened set's reps
    reps = at.dataframe[1].value
    assert len(reps) == 4 and list(reps["side"].unique()) == ["left"]
    assert {"ROM °", "confidence", "form issues"} <= set(reps.columns)
    assert len(at.get("plotly_chart")) == 2  # angle trace + skeleton replay


def test_session_without_a_stream_draws_the_outline_and_says_why(seeded: Seeded) -> None:
    older = seeded.sessions[0][0]
    at = open_page(therapist_a(seeded), "session_detail",
                   state={PATIENT_KEY: seeded.clinic.patients[0], SESSION_KEY: older,
                          EXPAND_KEY: True})  # fmt: skip
    no_exception(at)
    assert any("No landmark stream was kept" in c for c in texts(at, "caption"))
    summary = at.dataframe[0].value  # first, one row per exercise
    assert list(summary["Exercise"]) == ["Seated knee extension", "Wall sit"]
    reps = at.dataframe[1].value
    assert len(reps) == 9 and (reps["rep"] == "partial").sum() == 1
    assert any("Keep your back straight" in cell for cell in reps["form issues"])
    assert len(at.dataframe) == 3  # the summary; reps of the knee set, holds of the wall sit


def test_session_detail_without_sessions(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded), "session_detail",
                   state={PATIENT_KEY: seeded.clinic.patients[1]})  # fmt: skip
    assert any("No sessions recorded yet" in t for t in texts(at, "info"))


def test_session_detail_refuses_another_therapists_patient(seeded: Seeded) -> None:
    at = open_page(therapist_a(seeded), "session_detail",
                   state={PATIENT_KEY: seeded.clinic.patients[2]})  # fmt: skip
    assert any("among yours" in e for e in texts(at, "error"))
    assert not at.dataframe


# -- a patient's own pages ---------------------------------------------------------------------


def test_a_patient_lands_on_their_home_page(seeded: Seeded) -> None:
    patient = signed_in(seeded.clinic.pat_users[1], "Patient 1", seeded.clinic.patients[1])
    at = open_page(patient, timeout_s=120)
    no_exception(at)
    assert texts(at, "title") == ["Hello, Patient 1"]  # today's exercises (issue 14)


def test_a_patient_has_no_route_to_prescriptions_users_or_the_tools(seeded: Seeded) -> None:
    patient = signed_in(seeded.clinic.pat_users[0], "Patient 0", seeded.clinic.patients[0])
    at = open_page(patient, timeout_s=120)
    assert texts(at, "title") == ["Hello, Patient 0"]
    for page in ("prescriptions", "users", "library", "analyse_video", "annotate_image"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"{PAGES}/{page}.py")  # not among the patient's pages
