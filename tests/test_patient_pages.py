"""AppTest of the patient's own pages: Today, exercise with the camera, log without the camera.

What a patient sees (and never sees: the clinic's notes, the clinician's pages, unexplained
abbreviations), the check-in asked in words and empty until answered, the manual log, the
patient's language, and a guard that every word on these pages went through the catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from rehab.core.exercise import localized
from rehab.core.results import Side
from rehab.dashboard.pages.live_session import DONE_KEY, ITEM_KEY, PAIN_BEFORE_KEY
from rehab.exercise_library import load_library
from rehab.i18n import LANGUAGE_NAMES, translator
from rehab.store import Database, SessionRecorder, set_patient_language
from rehab.store.models import CheckIn, ExerciseSession, ExerciseSet
from rehab.store.queries import list_sessions, patient_detail, weekly_adherence
from rehab.store.testing import make_rep, sql_session
from tests.dashboard_seed import (
    PAGES,
    Seeded,
    no_exception,
    open_page,
    signed_in,
    texts,
    use_database,
)
from tests.dashboard_seed import _session as _one_session
from tests.page_text import page_texts, pseudo_spanish, unmarked_words
from tests.patient_seed import (
    CLINICAL,
    ITEM_NOTE,
    RECORD_NOTE,
    TO_PATIENT,
    seed_patient_side,
    use_demo_cache,
)

pytest_plugins = ["rehab.store.pytest_plugin"]

LIBRARY = load_library()
ABBREVIATIONS = re.compile(r"\b(ROM|RPE|reps?|NRS|PT|sec|secs|min|wk|hrs?)\b")
PATIENT_PAGES = ("home", "live_session", "manual_log", "questionnaires")
CLINICIAN_PAGES = (
    "patients", "progress", "session_detail", "prescriptions", "library", "analyse_video",
    "annotate_image", "users",
)  # fmt: skip


@pytest.fixture
def seeded(db: Database, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    use_database(monkeypatch, db)
    use_demo_cache(monkeypatch)
    return seed_patient_side(db)


def _patient(s: Seeded, n: int = 0):  # type: ignore[no-untyped-def]
    return signed_in(s.clinic.pat_users[n], f"Patient {n}", s.clinic.patients[n])


def _all_text(at: AppTest) -> str:
    """The page's words as a person reads them (Markdown escapes taken out)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(page_texts(at)))


def _open(s: Seeded, page: str | None = None, **state: object) -> AppTest:
    at = open_page(_patient(s), page, state=state, timeout_s=120)
    no_exception(at)
    return at


# -- Today -------------------------------------------------------------------------------------


def test_today_shows_the_exercises_with_one_start_each_the_week_and_progress(
    seeded: Seeded,
) -> None:
    at = _open(seeded)
    assert texts(at, "title") == ["Hello, Patient 0"]
    starts = [b.label for b in at.button if b.label.startswith("Start")]
    assert starts == ["Start: Seated knee extension", "Start: Wall sit"]
    text = _all_text(at)
    assert "3 sets of 10 repetitions · Left side" in text
    assert "2 sets: hold 20 seconds each · Both sides" in text
    assert re.search(r"This week:\*\* \d of 3 sessions done · \d sessions? to go", text)
    assert re.search(r"\d weeks? in a row with every session done", text)
    # plain-language progress: the knee straightens further than in the first session
    assert re.search(r"Seated knee extension\*\*: Your knee straightens \d+° further than on", text)
    assert re.search(r"Wall sit\*\*: You held \d+ seconds longer than on", text)
    assert [e.label for e in at.expander] == ["See how to do it", "See how to do it"]
    assert len(at.get("image")) == 2  # the two demonstrations (animated GIFs)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Print my exercises (PDF)", "Add reminders to my calendar"]


def test_the_therapists_words_to_the_patient_are_on_today(seeded: Seeded) -> None:
    text = _all_text(_open(seeded))
    assert "From your therapist" in text and TO_PATIENT.rstrip(".") in text
    assert ITEM_NOTE.rstrip(".") in text


def test_a_patient_is_never_routed_to_a_clinicians_page(seeded: Seeded) -> None:
    at = open_page(_patient(seeded), timeout_s=120)
    assert texts(at, "title") == ["Hello, Patient 0"]  # their own home
    assert not at.dataframe and not at.get("plotly_chart")
    for page in CLINICIAN_PAGES:  # Streamlit 1.67: a page not registered for them is refused
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"{PAGES}/{page}.py")


def _every_patient_screen(s: Seeded) -> Iterator[tuple[str, AppTest]]:
    """Every screen of the patient's pages: Today, the exercise chooser, before the camera,
    after a session (check-in and summary), the manual log."""
    yield "home", _open(s)
    yield "choose", _open(s, "live_session")
    item = _items(s)["knee_extension"]
    yield "before", _open(s, "live_session", **{ITEM_KEY: item})
    yield "after", _open(s, "live_session", **{DONE_KEY: s.sessions[0][-2]})
    yield "log", _open(s, "manual_log")
    yield "questionnaires", _open(s, "questionnaires")  # none due (see test_patient_questionnaires)


def test_a_clinical_note_never_appears_on_any_patient_page(seeded: Seeded) -> None:
    with seeded.db.transaction() as tx:  # it is there, for the clinic
        detail = patient_detail(tx, seeded.clinic.ther_a, seeded.clinic.patients[0])
    assert detail.programs[0].clinical_notes == CLINICAL and detail.notes == RECORD_NOTE
    for language in ("en", "es"):
        _set_language(seeded, language)
        for screen, at in _every_patient_screen(seeded):
            text = _all_text(at)
            assert "CLINIC-ONLY" not in text, (language, screen)
            assert "graft" not in text and "anxious" not in text, (language, screen)


def test_no_unexplained_abbreviations_on_patient_pages(seeded: Seeded) -> None:
    for screen, at in _every_patient_screen(seeded):
        found = ABBREVIATIONS.findall(_all_text(at))
        assert not found, (screen, found)


# -- exercise with the camera --------------------------------------------------------------------


def _items(s: Seeded) -> dict[str, int]:
    with s.db.transaction() as tx:
        program = patient_detail(tx, s.clinic.ther_a, s.clinic.patients[0]).programs[0]
    return {item.exercise_id: item.item_id for item in program.items}


def test_start_opens_the_camera_page_for_that_exercise_with_pain_unanswered(
    seeded: Seeded,
) -> None:
    at = _open(seeded)
    at.button(key=f"start_{_items(seeded)['wall_sit']}").click().run()
    no_exception(at)
    assert texts(at, "subheader")[0] == "Wall sit"
    (pain,) = at.button_group
    assert pain.label == "How much does it hurt now?"
    assert pain.value is None  # empty until the patient picks a number: no default 0
    assert [o.content for o in pain.proto.options] == [str(n) for n in range(11)]
    assert at.button(key="start_camera").label == "Start the camera"


def _after(s: Seeded, session_id: int, **state: object) -> AppTest:
    return _open(s, "live_session", **{DONE_KEY: session_id, **state})


def _live_session(s: Seeded, pain_before: int | None) -> int:
    patient, pid = s.clinic.pat_users[0], s.clinic.patients[0]
    with SessionRecorder.start(s.db, patient, pid) as rec:
        rec.begin_set("knee_extension", Side.LEFT, _items(s)["knee_extension"])
        for n in range(1, 4):
            rec.record_rep(make_rep(n, rom_deg=84.0))
        rec.end_set()
        if pain_before is not None:
            rec.check_in(pain_before=pain_before)
        return rec.session_id


def _check_in_row(s: Seeded, session_id: int) -> tuple[object, ...]:
    with sql_session(s.db) as q:
        row = q.scalar(select(CheckIn).where(CheckIn.session_id == session_id))
        assert row is not None
        return row.pain_before, row.pain_after, row.effort_rpe


def test_after_a_session_the_check_in_is_asked_in_words_and_starts_empty(seeded: Seeded) -> None:
    session_id = _live_session(seeded, pain_before=3)
    at = _after(seeded, session_id, **{PAIN_BEFORE_KEY: 3})
    questions = {g.label: g.value for g in at.button_group}
    assert questions == {"How much does it hurt now?": None, "How hard was that?": None}
    text = _all_text(at)
    assert "0 means no pain at all, 10 the worst pain you can imagine." in text
    assert "Seated knee extension**: 1 set, 3 repetitions." in text
    at.button(key="after_save").click().run()  # nothing chosen: asked to choose or skip
    assert texts(at, "warning") == [
        "Choose a number for at least one question, or skip the questions."
    ]
    assert _check_in_row(seeded, session_id) == (3, None, None)


def test_a_check_in_with_a_critical_pain_is_stored_as_given(seeded: Seeded) -> None:
    session_id = _live_session(seeded, pain_before=None)
    at = _after(seeded, session_id)
    at.button_group[0].set_value(7).run()
    at.button(key="after_save").click().run()
    no_exception(at)
    assert "Thank you" in texts(at, "success")[0]
    assert _check_in_row(seeded, session_id) == (None, 7, None)  # effort stays empty
    with seeded.db.transaction() as tx:
        summary = list_sessions(tx, seeded.clinic.ther_a, seeded.clinic.patients[0])[-1]
    assert summary.pain_after == 7 and summary.effort_rpe is None


def test_a_skipped_check_in_keeps_only_the_pain_given_before(seeded: Seeded) -> None:
    """Clinical's one rule: skipped questions stay None (never 0); a check-in reads as
    skipped only when it holds no value at all."""
    session_id = _live_session(seeded, pain_before=4)
    at = _after(seeded, session_id, **{PAIN_BEFORE_KEY: 4})
    at.button_group[1].set_value(6).run()  # chosen, then the patient skips after all
    at.button(key="after_skip").click().run()
    assert _check_in_row(seeded, session_id) == (4, None, None)
    with seeded.db.transaction() as tx:
        summary = list_sessions(tx, seeded.clinic.ther_a, seeded.clinic.patients[0])[-1]
    assert not summary.check_in_skipped and summary.pain_before == 4


def test_a_check_in_skipped_from_the_start_is_read_as_skipped(seeded: Seeded) -> None:
    session_id = _live_session(seeded, pain_before=None)
    at = _after(seeded, session_id)
    at.button(key="after_skip").click().run()
    assert _check_in_row(seeded, session_id) == (None, None, None)
    with seeded.db.transaction() as tx:
        summary = list_sessions(tx, seeded.clinic.ther_a, seeded.clinic.patients[0])[-1]
    assert summary.check_in_skipped and summary.pain_after is None


# -- log without the camera ----------------------------------------------------------------------


def test_a_day_without_the_camera_is_logged_as_self_reported(seeded: Seeded) -> None:
    at = _open(seeded, "manual_log")
    items = _items(seeded)
    assert _box(at, f"sets_{items['knee_extension']}").value is None  # empty
    _box(at, f"sets_{items['knee_extension']}").set_value(2)
    _box(at, f"reps_{items['knee_extension']}").set_value(8)
    at.button_group[0].set_value(2)
    at.button[0].click().run()
    no_exception(at)
    assert texts(at, "success") == ["Saved. Your therapist will see this day as logged by you."]
    pid = seeded.clinic.patients[0]
    with seeded.db.transaction() as tx:
        last = list_sessions(tx, seeded.clinic.ther_a, pid)[-1]
        weeks = weekly_adherence(tx, seeded.clinic.ther_a, pid)
    assert (last.source, last.self_reported, last.sets, last.complete_reps) == (
        "manual",
        True,
        2,
        16,
    )
    assert last.pain_after == 2 and not last.check_in_skipped
    assert weeks[-1].sessions_self_reported == 1
    with sql_session(seeded.db) as q:
        reported = q.scalars(
            select(ExerciseSet.reported_reps).where(ExerciseSet.session_id == last.session_id)
        ).all()
    assert reported == [8, 8]
    home = _open(seeded)
    assert "1 of them was logged by hand" in _all_text(home)


def _box(at: AppTest, name: str):  # type: ignore[no-untyped-def]
    """The log form's number box `name` (its key carries the form's round)."""
    return next(n for n in at.number_input if str(n.key).startswith(f"log_{name}_r"))


def _manual_sessions(s: Seeded) -> int:
    with sql_session(s.db) as q:
        return q.scalars(select(ExerciseSession.source)).all().count("manual")


def test_a_half_filled_log_is_refused_kept_as_typed_and_nothing_is_stored(seeded: Seeded) -> None:
    at = _open(seeded, "manual_log")
    at.button[0].click().run()
    assert texts(at, "warning") == ["Fill in the sets you did for at least one exercise."]
    knee = _items(seeded)["knee_extension"]
    _box(at, f"sets_{knee}").set_value(3)
    at.button[0].click().run()
    assert texts(at, "warning") == [
        "Seated knee extension: say how many repetitions (or seconds) in each set."
    ]
    assert _manual_sessions(seeded) == 0
    assert _box(at, f"sets_{knee}").value == 3  # what was typed stays
    _box(at, f"reps_{knee}").set_value(10)
    at.button[0].click().run()
    assert _manual_sessions(seeded) == 1
    assert _box(at, f"sets_{knee}").value is None  # emptied once saved


def test_a_log_without_pain_is_a_skipped_check_in(seeded: Seeded) -> None:
    at = _open(seeded, "manual_log")
    wall_sit = _items(seeded)["wall_sit"]
    _box(at, f"sets_{wall_sit}").set_value(2)
    _box(at, f"hold_{wall_sit}").set_value(25)
    at.button[0].click().run()
    with seeded.db.transaction() as tx:
        last = list_sessions(tx, seeded.clinic.ther_a, seeded.clinic.patients[0])[-1]
    assert last.self_reported and last.check_in_skipped and last.pain_after is None


# -- the patient's language ----------------------------------------------------------------------


def _set_language(s: Seeded, language: str) -> None:
    with s.db.transaction() as tx:
        set_patient_language(tx, s.clinic.ther_a, s.clinic.patients[0], language)


def test_the_patient_changes_their_language_on_today(seeded: Seeded) -> None:
    at = _open(seeded)
    at.selectbox(key="language_choice").set_value("es").run()
    no_exception(at)
    assert texts(at, "title") == ["Hola, Patient 0"]
    knee = localized(LIBRARY.get("knee_extension"), "es")
    assert f"Empezar: {knee.name}" in [b.label for b in at.button]
    assert "3 series de 10 repeticiones · Lado izquierdo" in _all_text(at)
    with seeded.db.transaction() as tx:
        assert patient_detail(tx, seeded.clinic.ther_a, seeded.clinic.patients[0]).language == "es"
    assert LANGUAGE_NAMES["es"] in at.selectbox(key="language_choice").options


def test_every_screen_in_spanish_names_the_exercises_in_spanish(seeded: Seeded) -> None:
    _set_language(seeded, "es")
    for screen, at in _every_patient_screen(seeded):
        text = _all_text(at)
        assert "Seated knee extension" not in text, screen
        assert "Cerrar sesión" in text, screen  # the sidebar too


# -- the guard: no untranslated words ------------------------------------------------------------


def _data_words(s: Seeded) -> list[str]:
    """What a patient page may show outside the catalogue: names, the therapist's words, the
    exercise files' words in Spanish, the languages' own names."""
    words = ["Patient 0", "Therapist A", "Knee program", TO_PATIENT, ITEM_NOTE]
    words += list(LANGUAGE_NAMES.values())
    today = dt.datetime.now(dt.UTC).date()  # dates are Babel's words, not the catalogue's
    words += [translator("es").weekday_day(today - dt.timedelta(days=n)) for n in range(9)]
    for exercise in LIBRARY.exercises.values():
        spanish = localized(exercise, "es")
        words += [spanish.name, spanish.description, *spanish.instructions]
    return words


def test_every_word_on_the_patient_pages_goes_through_the_catalogue(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    pseudo_spanish(monkeypatch)
    monkeypatch.setenv("REHAB_DEMO_CACHE", str(tmp_path))  # pseudo words stay out of the cache
    _set_language(seeded, "es")
    found = {}
    for screen, at in _every_patient_screen(seeded):
        assert sum("⟦" in text for text in page_texts(at)) >= 5, screen  # in the pseudo-language
        left = unmarked_words(page_texts(at), _data_words(seeded))
        if left:
            found[screen] = left
    assert not found, found


def test_the_guard_catches_an_untranslated_string(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard itself can fail: an English word slipped onto a page is reported."""
    pseudo_spanish(monkeypatch)
    _set_language(seeded, "es")
    at = _open(seeded, "manual_log")
    texts_now = [*page_texts(at), "Sets done today"]
    assert unmarked_words(texts_now, _data_words(seeded)) == [
        "'Sets done today' -> 'Sets done today'"
    ]


def test_the_log_is_for_today_unless_the_patient_picks_another_day(seeded: Seeded) -> None:
    now = dt.datetime.now(dt.UTC).date()
    at = _open(seeded, "manual_log")
    picker = next(d for d in at.selectbox if str(d.key).startswith("log_day_r"))
    assert picker.value == now and len(picker.options) == 8  # today and the week before
    assert picker.format_func(now).startswith("Today, ")
    _set_language(seeded, "es")  # the days in the patient's words, not the widget's English
    at = _open(seeded, "manual_log")
    picker = next(d for d in at.selectbox if str(d.key).startswith("log_day_r"))
    three_back = now - dt.timedelta(days=3)
    assert picker.format_func(now - dt.timedelta(days=1)).startswith("Ayer, ")
    assert picker.format_func(three_back) == translator("es").weekday_day(three_back)
    assert " de " in picker.format_func(three_back)


# -- a new patient, and a streak and progress of one day -------------------------------------


def test_a_new_patient_is_encouraged_not_told_0_weeks(seeded: Seeded) -> None:
    """Patient 1 has a program and no session yet."""
    for language, words in (
        ("en", "Your first week: every session counts. You can do this!"),
        ("es", "Tu primera semana: cada sesión cuenta. ¡Tú puedes!"),
    ):
        with seeded.db.transaction() as tx:
            set_patient_language(tx, seeded.clinic.ther_a, seeded.clinic.patients[1], language)
        at = open_page(_patient(seeded, 1), timeout_s=120)
        no_exception(at)
        text = _all_text(at)
        assert words in text, language
        assert not re.search(r"\b0 (weeks?|semanas?)\b", text), language


def test_three_sessions_today_read_one_week_and_earlier_today(seeded: Seeded) -> None:
    """All of this week's sessions done today (the program asks for 3): a streak of one week,
    said in the singular; the knee's range against this morning's, "earlier today"."""
    pid, therapist = seeded.clinic.patients[1], seeded.clinic.ther_a
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date(), dt.time(), dt.UTC)
    with seeded.db.transaction() as tx:
        program = patient_detail(tx, therapist, pid).programs[0]
    items = {item.exercise_id: item.item_id for item in program.items}
    for n in (0, 1, 3):  # 61-63° at first, 73-75° the last time
        at = midnight + (now - midnight) * (n + 1) / 5
        _one_session(seeded.db, therapist, pid, at, n, items)
    text = _all_text(open_page(_patient(seeded, 1), timeout_s=120))
    assert "1 week in a row with every session done" in text
    assert "Your knee straightens 12° further than earlier today." in text
    with seeded.db.transaction() as tx:
        set_patient_language(tx, therapist, pid, "es")
    text = _all_text(open_page(_patient(seeded, 1), timeout_s=120))
    assert "1 semana seguida con todas las sesiones hechas" in text
    assert "Tu rodilla se estira 12° más que hoy más temprano." in text
