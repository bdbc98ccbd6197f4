"""The patient's questionnaires in their language: the page's own words translated, a
validated instrument's items only in a licensed translation the file carries (else the
original, and a plain word that it is in English); the Today page's link to them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rehab.core.exercise import localized
from rehab.core.questionnaire import in_language
from rehab.exercise_library import load_library
from rehab.i18n import LANGUAGE_NAMES
from rehab.questionnaires import (
    DEFAULT_DIR,
    ENV_DIR,
    QuestionnaireFileError,
    load_questionnaires,
    parse_questionnaire_text,
)
from rehab.store import Database, assign_questionnaire, outcome_scores, set_patient_language
from rehab.store.testing import Clinic
from tests.dashboard_seed import no_exception, open_page, signed_in, texts, use_database
from tests.page_text import page_texts, pseudo_spanish, unmarked_words

pytest_plugins = ["rehab.store.pytest_plugin"]

LIBRARY = load_questionnaires()
NPRS_FILE = (Path(DEFAULT_DIR) / "nprs.yaml").read_text(encoding="utf-8")
SPANISH_NPRS = """translations:
  es:
    source: Versión española con licencia de prueba (tests only)
    name: Escala numérica del dolor
    instructions: Elige el número que mejor describe tu dolor ahora mismo.
    items: {pain_now: "¿Cuánto dolor sientes ahora mismo?"}
    anchors: {No pain: Sin dolor, Worst pain imaginable: El peor dolor imaginable}
"""
ONLY_ENGLISH = "Este cuestionario solo está disponible en inglés."


def _all_text(at: AppTest) -> str:
    return re.sub(r"\\(.)", r"\1", "\n".join(page_texts(at)))


# -- the file: an optional licensed translation, complete ------------------------------------


def test_a_licensed_translation_in_the_file_gives_the_patient_its_words() -> None:
    nprs = parse_questionnaire_text(NPRS_FILE + SPANISH_NPRS, Path("nprs.yaml"))
    spanish = in_language(nprs, "es")
    assert spanish is not None and spanish.name == "Escala numérica del dolor"
    assert spanish.items[0].text == "¿Cuánto dolor sientes ahora mismo?"
    assert spanish.scale_of(spanish.items[0]).label(0) == "Sin dolor"
    assert spanish.score({"pain_now": 3}) == nprs.score({"pain_now": 3}) == 3  # same rule
    assert in_language(nprs, "en") is nprs
    assert in_language(LIBRARY.get("nprs"), "es") is None  # the bundled files: English only


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('    items: {pain_now: "¿Cuánto dolor sientes ahora mismo?"}\n', ""),
         r"translations\.es\.items: missing \['pain_now'\]"),
        ((", Worst pain imaginable: El peor dolor imaginable", ""),
         r"translations\.es\.anchors: missing \['Worst pain imaginable'\]"),
        (("  es:", "  fr:"), "unsupported language 'fr'"),
        (("    source: Versión española con licencia de prueba (tests only)\n", ""),
         r"source: Field required"),
    ],
)  # fmt: skip
def test_an_incomplete_translation_is_refused(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in SPANISH_NPRS
    with pytest.raises(QuestionnaireFileError, match=message):
        parse_questionnaire_text(NPRS_FILE + SPANISH_NPRS.replace(old, new), Path("nprs.yaml"))


# -- the page ------------------------------------------------------------------------------------


@pytest.fixture
def due(db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    """NPRS and the PSFS (one activity named by the therapist) due today for patient 0."""
    use_database(monkeypatch, db)
    today = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with db.transaction() as tx:
        assign_questionnaire(tx, clinic.ther_a, clinic.patients[0], LIBRARY.get("nprs"), 7, today)
        assign_questionnaire(tx, clinic.ther_a, clinic.patients[0], LIBRARY.get("psfs"), 7,
                             today, ["Climbing stairs"])  # fmt: skip
    return clinic


def _speaks(db: Database, clinic: Clinic, language: str) -> None:
    with db.transaction() as tx:
        set_patient_language(tx, clinic.ther_a, clinic.patients[0], language)


def _open(clinic: Clinic, page: str | None = "questionnaires") -> AppTest:
    patient = signed_in(clinic.pat_users[0], "Patient 0", clinic.patients[0])
    at = open_page(patient, page, timeout_s=60)
    no_exception(at)
    return at


def _radio(at: AppTest, item_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in at.radio if r.key and r.key.endswith(f"_{item_id}"))


def _save(at: AppTest, item_id: str) -> AppTest:
    """Press the save button of the form that asks `item_id`."""
    form = str(_radio(at, item_id).key).removesuffix(f"_{item_id}")
    at.button(key=f"{form}_submit").click()
    return at.run()


def test_a_spanish_patient_reads_the_page_in_spanish_and_the_instrument_in_english(
    db: Database, due: Clinic
) -> None:
    _speaks(db, due, "es")
    at = _open(due)
    text = _all_text(at)
    assert texts(at, "title") == ["Cuestionarios"]
    assert text.count(ONLY_ENGLISH) == 2  # both bundled instruments: no licensed Spanish
    assert "How much pain do you feel right now?" in text  # the original, untranslated
    assert "Numeric Pain Rating Scale" in text
    assert "Guardar mis respuestas" in text and "Save my answers" not in text
    assert "Actividad 2 (déjala en blanco si no hay)" in text
    pain = _radio(at, "pain_now")
    assert pain.value is None and pain.format_func(None) == "Sin respuesta"
    assert "Volver a hoy" in text


def test_an_english_patient_sees_no_language_notice(db: Database, due: Clinic) -> None:
    at = _open(due)
    text = _all_text(at)
    assert texts(at, "title") == ["Questionnaires"]
    assert "only available in English" not in text
    pain = _radio(at, "pain_now")
    assert pain.format_func(None) == "No answer"
    assert [pain.format_func(v) for v in (0, 5, 10)] == ["0", "5", "10"]  # short: fits a phone
    assert "0 · No pain — 10 · Worst pain imaginable" in texts(at, "caption")  # said once


def test_a_spanish_patient_saves_and_is_thanked_in_spanish(db: Database, due: Clinic) -> None:
    _speaks(db, due, "es")
    at = _open(due)
    _radio(at, "pain_now").set_value(3)
    at = _save(at, "pain_now")
    no_exception(at)
    assert texts(at, "success") == [
        "Gracias: tus respuestas se han guardado para tu fisioterapeuta."
    ]
    with db.transaction() as tx:
        assert [s.score for s in outcome_scores(tx, due.ther_a, due.patients[0])] == [3.0]


def test_nothing_answered_is_said_in_spanish_and_nothing_saved(db: Database, due: Clinic) -> None:
    _speaks(db, due, "es")
    at = _save(_open(due), "pain_now")
    no_exception(at)
    assert texts(at, "error") == ["Responde al menos 1 de las preguntas, por favor."]
    with db.transaction() as tx:
        assert outcome_scores(tx, due.ther_a, due.patients[0]) == []


def test_a_rated_activity_without_its_name_is_asked_for(db: Database, due: Clinic) -> None:
    at = _open(due)
    _radio(at, "activity_2").set_value(4)  # rated, but no activity written for slot 2
    at = _save(at, "activity_2")
    assert texts(at, "error") == ["Write down activity 2, or leave its answer as “No answer”."]
    next(t for t in at.text_input if t.key and t.key.endswith("activity_2_label")).input("Kneeling")
    at = _save(at, "activity_2")
    no_exception(at)
    with db.transaction() as tx:
        (score,) = outcome_scores(tx, due.ther_a, due.patients[0])
    assert score.score == 4.0


def test_a_licensed_translation_is_shown_instead_of_the_notice(
    db: Database, due: Clinic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("psfs.yaml", "lefs.yaml"):
        (tmp_path / name).write_text((Path(DEFAULT_DIR) / name).read_text(encoding="utf-8"))
    (tmp_path / "nprs.yaml").write_text(NPRS_FILE + SPANISH_NPRS, encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    _speaks(db, due, "es")
    text = _all_text(_open(due))
    assert "¿Cuánto dolor sientes ahora mismo?" in text and "Escala numérica del dolor" in text
    assert "0 · Sin dolor" in text
    assert text.count(ONLY_ENGLISH) == 1  # the PSFS still has none


def test_every_word_of_the_questionnaires_page_goes_through_the_catalogue(
    db: Database, due: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard of tests/test_patient_pages.py on this page: outside the catalogue only the
    instruments' own words (shown as the file has them) and the patient's activity."""
    pseudo_spanish(monkeypatch)
    _speaks(db, due, "es")
    data = ["Climbing stairs", "Patient 0", *LANGUAGE_NAMES.values()]
    for exercise in load_library().exercises.values():
        spanish = localized(exercise, "es")
        data += [spanish.name, *spanish.instructions]
    for q in LIBRARY.questionnaires.values():
        data += [q.name, q.instructions, *(i.text for i in q.items)]
        data += [a.label for i in q.items for a in q.scale_of(i).anchors]
    for page in ("questionnaires", None):
        at = _open(due, page)
        assert sum("⟦" in t for t in page_texts(at)) >= 5, page
        assert not unmarked_words(page_texts(at), data), page


def test_today_links_to_the_questionnaires_due(db: Database, due: Clinic) -> None:
    assert "Your therapist asks you to fill in 2 questionnaires" in _all_text(_open(due, None))
    _speaks(db, due, "es")
    assert "Tu fisioterapeuta te pide que rellenes 2 cuestionarios" in _all_text(_open(due, None))
