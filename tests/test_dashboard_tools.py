"""AppTest of the dashboard's tool pages: prescriptions, exercise library, analyse a video,
annotate an image, users; refusals, empty states and bad files."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path

import numpy as np
import pytest

from rehab.core.results import Side
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import PATIENT_KEY
from rehab.domain import JobKind, JobStatus, Role
from rehab.jobs.worker import crash_message
from rehab.pose.video_out import H264Writer
from rehab.store import (
    Actor,
    Database,
    claim_next_job,
    create_user,
    enqueue_job,
    fail_job,
    latest_job,
)
from rehab.store.queries import list_sessions, patient_detail, session_detail
from tests.conftest import load_manifest
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
from tests.pose_helpers import astronaut_png
from tests.worker_support import run_worker_once

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture
def seeded(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Seeded:
    use_database(monkeypatch, db)
    monkeypatch.setenv("REHAB_HOME", str(tmp_path))  # the media jobs' files, for the worker
    return seed(db)


def _therapist(s: Seeded):  # type: ignore[no-untyped-def]
    return signed_in(s.clinic.ther_a, "Therapist A")


def _programs(s: Seeded, index: int = 0):  # type: ignore[no-untyped-def]
    with s.db.transaction() as tx:
        return patient_detail(tx, s.clinic.admin, s.clinic.patients[index]).programs


# -- prescriptions -----------------------------------------------------------------------------


def _prescriptions(s: Seeded, index: int = 0):  # type: ignore[no-untyped-def]
    at = open_page(_therapist(s), "prescriptions", state={PATIENT_KEY: s.clinic.patients[index]})
    no_exception(at)
    return at


def test_prescriptions_show_the_program_and_start_the_editor_from_it(seeded: Seeded) -> None:
    at = _prescriptions(seeded)
    program = at.table[0].value
    assert list(program["Exercise"]) == ["Seated knee extension", "Wall sit"]
    assert list(program["Prescription"]) == ["3 × 10 reps, left, target 80°", "2 × 20 s hold, both"]
    draft = " ".join(texts(at, "markdown"))
    assert "**Seated knee extension**: 3 × 10 reps, left, target 80°" in draft


def test_a_therapist_changes_the_program_with_a_library_exercise(seeded: Seeded) -> None:
    at = _prescriptions(seeded)
    at.button(key="remove_1").click().run()  # drop the wall sit
    at.selectbox(key="add_exercise").set_value("straight_leg_raise").run()
    assert any("Straight" in e.label for e in at.expander)  # its instructions are shown
    at.number_input(key="item_straight_leg_raise_reps").set_value(12)  # keyed by exercise
    at.selectbox(key="item_straight_leg_raise_side").set_value(Side.LEFT)
    at.text_input(key="item_straight_leg_raise_notes").input("Slowly, with the knee locked")
    at.button(key="add_item_submit").click().run()
    no_exception(at)
    at.button(key="save_program_submit").click().run()
    no_exception(at)
    programs = _programs(seeded)
    assert len(programs) == 2
    new, old = programs
    assert [i.exercise_id for i in new.items] == ["knee_extension", "straight_leg_raise"]
    raise_item = new.items[1]
    assert (raise_item.reps, raise_item.side.value) == (12, "left")
    assert raise_item.notes_for_patient == "Slowly, with the knee locked"
    assert raise_item.target_rom_deg is not None  # the library's default target
    assert old.end_date is not None and old.end_date < new.start_date


def test_a_program_without_exercises_is_not_saved(seeded: Seeded) -> None:
    at = _prescriptions(seeded)
    at.button(key="remove_0").click().run()
    at.button(key="remove_0").click().run()
    assert any("no exercise yet" in t for t in texts(at, "info"))
    at.button(key="save_program_submit").click().run()
    assert texts(at, "error") == ["Add at least one exercise before saving."]
    assert len(_programs(seeded)) == 1


def test_ending_a_program_sets_its_last_day(seeded: Seeded) -> None:
    at = _prescriptions(seeded)
    program_id = _programs(seeded)[0].prescription_id
    at.button(key=f"end_{program_id}").click().run()
    at.button(key=f"end_yes_{program_id}").click().run()  # it asks first (issue 13)
    no_exception(at)
    (program,) = _programs(seeded)
    assert program.end_date == dt.datetime.now(dt.UTC).date()


def test_prescriptions_refuse_another_therapists_patient(seeded: Seeded) -> None:
    at = _prescriptions(seeded, index=2)
    assert any("among yours" in e for e in texts(at, "error"))
    assert not at.table and not at.dataframe


# -- exercise library --------------------------------------------------------------------------


def test_library_lists_every_exercise_and_explains_one(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded), "library")  # a clinician's tool (no route for patients)
    no_exception(at)
    table = at.dataframe[0].value
    assert len(table) >= 20 and "Seated knee extension" in set(table["Exercise"])
    at.selectbox[0].set_value("shoulder_abduction").run()
    words = " ".join(texts(at, "markdown"))
    assert "Measured: angle at SHOULDER (HIP-SHOULDER-ELBOW)" in words
    assert "rest (45° or less)" in words and "peak (70° or more)" in words
    assert "Keep your elbows almost straight as you lift" in words
    assert len(at.get("plotly_chart")) == 2  # skeleton + zones
    at.selectbox[0].set_value("sit_to_stand").run()
    assert "KNEE lateral of OTHER_KNEE, in HIP-OTHER_HIP lengths" in " ".join(texts(at, "markdown"))
    at.selectbox[0].set_value("plank").run()
    words = " ".join(texts(at, "markdown"))
    assert "with angle at HIP (SHOULDER-HIP-KNEE) ≥ 150, from the moment" in words


def test_library_lists_the_definitions_that_failed_to_load(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Path(__file__).resolve().parent.parent / "exercises" / "squat.yaml"
    (tmp_path / "squat.yaml").write_text(source.read_text())
    (tmp_path / "broken.yaml").write_text(source.read_text().replace("KNEE", "KNE", 1))
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000)  # was a RecursionError
    monkeypatch.setenv("REHAB_EXERCISES_DIR", str(tmp_path))
    at = open_page(_therapist(seeded), "library")
    no_exception(at)
    broken, deep = texts(at, "error")
    assert broken.startswith(f"Not loaded: {plain('broken.yaml line')}") and "KNE" in broken
    assert deep == f"Not loaded: {plain('deep.yaml line 1: nested more than 16 levels deep')}"
    assert list(at.dataframe[0].value["id"]) == ["squat"]


# -- analyse a video ---------------------------------------------------------------------------


def _empty_room_mp4(path: Path) -> bytes:
    """A real H.264 video of a grey wall with a moving bar: nobody in it."""
    with H264Writer(path, 15.0, (160, 120)) as writer:
        for i in range(20):
            frame = np.full((120, 160, 3), 128, np.uint8)
            frame[:, (i * 7) % 150 : (i * 7) % 150 + 10] = 40
            writer.write(frame, i * 1000 / 15)
    return path.read_bytes()


def _analyse(at, name: str, data: bytes, mime: str):  # type: ignore[no-untyped-def]
    at.file_uploader(key="video_upload").set_value((name, data, mime)).run()
    at.button(key="analyse").click().run()
    no_exception(at)
    run_worker_once()  # a real `rehab worker` process does the job the page queued
    at.run()
    no_exception(at)
    return at


def test_analyse_without_an_upload_says_what_to_do(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded), "analyse_video")
    no_exception(at)
    assert any("Upload a video" in t for t in texts(at, "info"))


def test_a_file_that_is_not_a_video_gets_a_clear_message(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded), "analyse_video")
    _analyse(at, "notes.mp4", b"this is a text file, not a video", "video/mp4")
    (error,) = texts(at, "error")
    assert error.startswith("This file cannot be analysed: notes.mp4: cannot open as a video")
    assert "/tmp" not in error  # names the upload, not our temporary copy


def test_a_video_with_nobody_in_it_says_so(seeded: Seeded, tmp_path: Path) -> None:
    at = open_page(
        _therapist(seeded), "analyse_video", state={PATIENT_KEY: seeded.clinic.patients[0]}
    )
    _analyse(at, "empty-room.mp4", _empty_room_mp4(tmp_path / "room.mp4"), "video/mp4")
    assert any("Nobody was found in empty-room.mp4" in w for w in texts(at, "warning"))
    assert {m.label: m.value for m in at.metric}["Reps counted"] == "0"


@pytest.mark.video
@pytest.mark.slow
def test_a_real_clip_is_counted_shown_and_saved_as_a_session(seeded: Seeded) -> None:
    (clip,) = [c for c in load_manifest() if c.name == "push_up__side.mp4"]
    at = open_page(
        _therapist(seeded), "analyse_video", state={PATIENT_KEY: seeded.clinic.patients[0]},
        timeout_s=300,
    )  # fmt: skip
    at.selectbox(key="video_exercise").set_value("push_up").run()
    _analyse(at, clip.name, clip.path.read_bytes(), "video/mp4")
    reps = int({m.label: m.value for m in at.metric}["Reps counted"])
    assert reps in clip.accepted_counts()
    assert len(at.dataframe[0].value.query("rep != 'partial'")) == reps
    assert at.get("video") and at.get("plotly_chart")
    assert "Angles measured with blazepose-heavy." in texts(at, "caption")  # the video default
    at.button(key="save_video").click().run()
    no_exception(at)
    assert any("Saved as session" in s and "landmarks" in s for s in texts(at, "success"))
    with seeded.db.transaction() as tx:
        sessions = list_sessions(tx, seeded.clinic.admin, seeded.clinic.patients[0])
    (upload,) = [s for s in sessions if s.source == "upload"]
    assert upload.complete_reps == reps
    # dated by the clip's recording (its creation_time tag, 2024-02-20 08:08 UTC), not today
    assert upload.started_at.date() == dt.date(2024, 2, 20), upload.started_at
    assert upload.ended_at is not None
    assert 15 < (upload.ended_at - upload.started_at).total_seconds() < 17  # the clip's length
    with seeded.db.read() as tx:
        (stored,) = session_detail(tx, seeded.clinic.admin, upload.session_id).sets
    assert (stored.pose_model or "").startswith("blazepose-heavy (mediapipe ")
    at.selectbox(key="video_model").set_value("full").run()  # the result is heavy's
    assert any("pose model changed" in t for t in texts(at, "info"))
    assert not at.get("video")


# -- annotate an image -------------------------------------------------------------------------


def test_annotating_a_photo_draws_the_keypoints_with_a_download(
    seeded: Seeded, tmp_path: Path
) -> None:
    at = open_page(_therapist(seeded), "annotate_image")
    assert any("Upload a photo" in t for t in texts(at, "info"))
    photo = astronaut_png(tmp_path).read_bytes()
    at.file_uploader(key="image_upload").set_value(("astronaut.png", photo, "image/png")).run()
    no_exception(at)
    run_worker_once()
    at.run()
    no_exception(at)
    assert any("of 33 keypoints visible" in s for s in texts(at, "success"))
    assert at.get("imgs") or at.get("image")
    (download,) = at.get("download_button")
    assert download.proto.label == "Download the annotated image"
    assert any(s.endswith("(blazepose-heavy).") for s in texts(at, "success"))  # video default
    at.selectbox(key="image_model").set_value("lite").run()  # another model: annotated again
    run_worker_once()
    at.run()
    no_exception(at)
    assert any(s.endswith("(blazepose-lite).") for s in texts(at, "success"))


def test_a_file_that_is_not_an_image_gets_a_clear_message(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded), "annotate_image")
    at.file_uploader(key="image_upload").set_value(("photo.png", b"not a png", "image/png")).run()
    run_worker_once()
    at.run()
    no_exception(at)
    (error,) = texts(at, "error")
    assert error.startswith("This file cannot be annotated: photo.png")


def test_a_reloaded_page_finds_its_job_and_shows_a_crash_as_a_message(
    seeded: Seeded, tmp_path: Path
) -> None:
    """The job outlives the browser session that queued it (and the dashboard process):
    a new session of the same user follows it; a job whose process died says so."""
    at = open_page(_therapist(seeded), "annotate_image")
    photo = astronaut_png(tmp_path).read_bytes()
    at.file_uploader(key="image_upload").set_value(("astronaut.png", photo, "image/png")).run()
    no_exception(at)
    assert not texts(at, "success")  # queued, not done: the worker has not run
    reloaded = open_page(_therapist(seeded), "annotate_image")
    no_exception(reloaded)
    assert not texts(reloaded, "info") and not texts(reloaded, "success")  # following the job
    run_worker_once()
    reloaded.run()
    no_exception(reloaded)
    assert any("of 33 keypoints visible" in s for s in texts(reloaded, "success"))
    assert reloaded.get("imgs") or reloaded.get("image")
    with seeded.db.transaction() as tx:  # a job whose process died (tests/test_worker.py)
        job_id = enqueue_job(tx, seeded.clinic.ther_a, JobKind.ANNOTATE_IMAGE, "ef" * 16, "x.png")
    assert claim_next_job(seeded.db, "host:1") is not None
    fail_job(seeded.db, job_id, "host:1", crash_message("x.png", -signal.SIGSEGV))
    crashed = open_page(_therapist(seeded), "annotate_image")
    (error,) = texts(crashed, "error")
    assert error.startswith("The work on x.png stopped: its process was ended by SIGSEGV")


def test_a_queued_analysis_can_be_cancelled_from_the_page(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded), "analyse_video")
    at.file_uploader(key="video_upload").set_value(("set.mp4", b"not run", "video/mp4")).run()
    at.button(key="analyse").click().run()
    no_exception(at)
    (cancel,) = [b for b in at.button if b.label == "Cancel"]  # no worker yet: queued
    cancel.click().run()
    no_exception(at)
    assert texts(at, "info")[-1] == (
        "The analysis of set.mp4 was cancelled. Upload a file to start again."
    )
    assert not texts(at, "error")
    run_worker_once()  # the worker finds nothing to do: the cancelled job is not taken
    with seeded.db.read() as tx:
        job = latest_job(tx, seeded.clinic.ther_a, JobKind.ANALYSE_VIDEO)
    assert job is not None and job.status is JobStatus.CANCELLED


# -- users (admin) -----------------------------------------------------------------------------


def test_admin_adds_a_therapist_and_a_patient(seeded: Seeded) -> None:
    at = open_page(signed_in(seeded.clinic.admin, "Admin"), "users")
    no_exception(at)
    assert len(at.dataframe[0].value) == 6  # an admin, two therapists, three patients
    at.text_input(key="t_name").input("Dr C")
    at.text_input(key="t_username").input("ther_c")
    at.text_input(key="t_pw").input("pw-ther-c-1-long")
    at.button(key="add_therapist_submit").click().run()
    assert texts(at, "success") == [f"Therapist '{plain('ther_c')}' added."]
    at.text_input(key="p_name").input("New Patient")
    at.text_input(key="p_username").input("newpat")
    at.text_input(key="p_pw").input("pw-newpat-1-long")
    at.text_input(key="p_condition").input("ACL reconstruction")
    at.selectbox(key="p_side").set_value("right")
    at.button(key="add_patient_submit").click().run()
    no_exception(at)
    assert texts(at, "success") == [f"Patient '{plain('newpat')}' added."]
    table = at.dataframe[0].value
    row = table[table["Username"] == "newpat"].iloc[0]
    assert (row["Role"], row["Condition"]) == ("patient", "ACL reconstruction")


def test_a_too_short_password_is_refused(seeded: Seeded) -> None:
    at = open_page(signed_in(seeded.clinic.admin, "Admin"), "users")
    at.text_input(key="t_name").input("Dr D")
    at.text_input(key="t_username").input("ther_d")
    at.text_input(key="t_pw").input("short")
    at.button(key="add_therapist_submit").click().run()
    assert any("password too short" in e for e in texts(at, "error"))


def test_a_therapist_has_no_route_to_users(seeded: Seeded) -> None:
    at = open_page(_therapist(seeded))
    assert texts(at, "title") == ["Patients"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"{PAGES}/users.py")  # not among a therapist's pages


def test_users_page_refuses_a_non_admin_in_the_store_too(seeded: Seeded) -> None:
    from rehab.errors import AccessDenied
    from rehab.store import list_users

    with seeded.db.transaction() as tx, pytest.raises(AccessDenied):
        list_users(tx, seeded.clinic.ther_a)
    with seeded.db.transaction() as tx:
        user_id = create_user(
            tx, seeded.clinic.admin, "x_admin", "X", Role.ADMIN, "pw-x-admin-1-long"
        )
    with seeded.db.transaction() as tx:
        assert len(list_users(tx, Actor(user_id, Role.ADMIN))) == 7


def _manage(at, account: int, action: str, password: str = ""):  # type: ignore[no-untyped-def]
    at.selectbox(key="manage_user").set_value(account)
    at.radio(key="manage_action").set_value(action)
    at.text_input(key="manage_pw").input(password)
    return at.button(key="manage_submit").click().run()


def _active(at, username: str) -> bool:  # type: ignore[no-untyped-def]
    table = at.dataframe[0].value
    return bool(table[table["Username"] == username].iloc[0]["Active"])


def test_admin_deactivates_and_reactivates_an_account_on_the_users_page(seeded: Seeded) -> None:
    from rehab.errors import AccessDenied
    from rehab.store import sign_in
    from rehab.store.testing import password_of

    at = open_page(signed_in(seeded.clinic.admin, "Admin"), "users")
    therapist = seeded.clinic.ther_a.user_id
    username = "ther_a"
    _manage(at, therapist, "Deactivate")
    no_exception(at)
    assert texts(at, "success") == [f"'{plain(username)}' deactivated: signed out everywhere."]
    assert not _active(at, username)
    with pytest.raises(AccessDenied):  # the right password, an inactive account
        sign_in(seeded.db, username, password_of(username), "test")
    _manage(at, therapist, "Reactivate")
    assert _active(at, username)
    assert sign_in(seeded.db, username, password_of(username), "test").user_id == therapist
    _manage(at, seeded.clinic.admin.user_id, "Deactivate")  # not oneself
    assert any("your own account" in e for e in texts(at, "error"))


def test_admin_sets_a_new_password_that_meets_the_rules(seeded: Seeded) -> None:
    from rehab.store import sign_in

    at = open_page(signed_in(seeded.clinic.admin, "Admin"), "users")
    therapist = seeded.clinic.ther_a.user_id
    _manage(at, therapist, "Set a new password", "short")
    assert any("password" in e for e in texts(at, "error"))
    _manage(at, therapist, "Set a new password", "a-new-long-password-42")
    no_exception(at)
    assert any("new password" in s for s in texts(at, "success"))
    assert sign_in(seeded.db, "ther_a", "a-new-long-password-42", "test").user_id == therapist
